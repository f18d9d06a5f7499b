//! Every page of every role, in both languages (issue 10, item 7): a zh-TW page shows no
//! internal id (a criterion's, a phase's, a level's, an audit action, an object like
//! `assignment 52`, a settings variable) and no sentence of the English catalogue; an English
//! page shows no Chinese. The fixture's own names — schools, communities, people, topics — are
//! English, so any Chinese on an English page is the application's, unless it is marked as
//! being in another language (`lang="zh-TW"`: plan text the plan has only in Chinese), which
//! is what a screen reader needs too.

use std::collections::BTreeSet;

use reqwest::StatusCode;

use crate::backends;
use crate::community::pdf;
use crate::support::{Client, Page, TestApp};

const SCHOOLS: &str = "code,name,level,district\n\
034750,Ximen Elementary,國小,Taoyuan\n034601,Wenchang Junior High,國中,Taoyuan\n034602,Jianguo Junior High,國中,Taoyuan\n";
const COMMUNITIES: &str = "code,school,track,group,name,convener,email\n\
E1,034750,basic,basic-elementary,Reading Circle,Lin,lin@school.tyc.edu.tw\n\
J1,034601,basic,basic-junior,Math Lab,Chen,chen@school.tyc.edu.tw\n";

/// Ids a zh-TW page must not show as words: the plan's, and the engine's.
fn known_ids(plan: &linxuan_core::plan::Plan) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for track in plan.tracks.values() {
        ids.extend(track.criteria.keys().cloned());
    }
    ids.extend(plan.review.phases.keys().cloned());
    ids.extend(plan.award_levels.keys().cloned());
    ids.extend(plan.groups.keys().cloned());
    ids.extend(plan.checkpoints.keys().cloned());
    ids.extend(plan.rubric.indicators.iter().map(|i| i.id.clone()));
    ids.extend(["competes", "not-passed", "awaiting", "own school", "draft", "submitted"].map(String::from));
    ids
}

/// The English sentences of the catalogue (three words or more), which a zh-TW page must not
/// show.
fn english_sentences() -> Vec<String> {
    include_str!("../../locales/app.yml")
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("en: \""))
        .map(|l| l.trim_end_matches('"').to_string())
        .filter(|l| l.split_whitespace().count() >= 3 && !l.contains('{') && l.len() >= 16)
        .collect()
}

/// What a person reads on a page (and what a screen reader says): text, and the labels in
/// attributes — without scripts, styles, and anything marked as another language.
fn readable(page: &Page, lang: &str) -> Vec<String> {
    let html = page.html();
    let mut out = Vec::new();
    let mut stack = vec![html.root_element()];
    while let Some(element) = stack.pop() {
        let e = element.value();
        // Scripts and styles are not read; <pre> and <code> show data and code as they are
        // (the audit log's record, a mail as it goes out).
        if matches!(e.name(), "script" | "style" | "template" | "pre" | "code") {
            continue;
        }
        if e.name() != "html" && e.attr("lang").is_some_and(|other| other != lang) {
            continue;
        }
        for attr in ["aria-label", "title", "placeholder", "alt"] {
            if let Some(v) = e.attr(attr).map(str::trim).filter(|v| !v.is_empty()) {
                out.push(v.to_string());
            }
        }
        if e.name() == "input" && matches!(e.attr("type"), Some("submit" | "button")) {
            out.extend(e.attr("value").map(str::to_string));
        }
        for child in element.children() {
            if let Some(text) = child.value().as_text().map(|t| t.trim()).filter(|t| !t.is_empty()) {
                out.push(text.to_string());
            } else if let Some(inner) = scraper::ElementRef::wrap(child) {
                stack.push(inner);
            }
        }
    }
    out
}

fn is_chinese(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xFF00..=0xFF60 | 0x20000..=0x2FFFF)
}

/// What is wrong with a page's language, if anything.
fn problems(texts: &[String], lang: &str, ids: &BTreeSet<String>, sentences: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let action = regex_lite(
        "score|cut|decision|conflict|assignment|plan|user|community|school|member|meeting|document|file|link|award|publication|phase|reviewer|self_evaluation|consent|mail|reminder|room|slot|schedule|review",
    );
    for text in texts {
        if lang == "en" {
            if text.chars().any(is_chinese) {
                out.push(format!("Chinese on an English page: {text:?}"));
            }
            continue;
        }
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')) {
            let word = word.trim_matches('.');
            if ids.contains(word) {
                out.push(format!("an id: {word:?} in {text:?}"));
            }
            if let Some((object, rest)) = word.split_once('.')
                && action.contains(&object)
                && !rest.is_empty()
                && rest.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            {
                out.push(format!("an audit action: {word:?} in {text:?}"));
            }
            if word.starts_with("LINXUAN_") || word == "DATABASE_URL" {
                out.push(format!("a settings variable: {word:?} in {text:?}"));
            }
        }
        let words: Vec<&str> = text.split_whitespace().collect();
        for pair in words.windows(2) {
            if action.contains(&pair[0]) && pair[1].chars().all(|c| c.is_ascii_digit()) {
                out.push(format!("an object: \"{} {}\" in {text:?}", pair[0], pair[1]));
            }
        }
        for sentence in sentences {
            if text.contains(sentence.as_str()) {
                out.push(format!("English on a zh-TW page: {sentence:?}"));
            }
        }
    }
    out
}

/// The words an audit action or object starts with.
fn regex_lite(alternatives: &str) -> Vec<&str> {
    alternatives.split('|').collect()
}

/// A client signed in through an invitation link shown to the office.
async fn invited(app: &TestApp, page: &Page, name: &str) -> Client {
    let link = page.find_link("/invite/").expect("the link is shown without SMTP");
    let client = app.client();
    let ok =
        client.post(&link, &[("name", name), ("password", "reviewing 12345"), ("confirm", "reviewing 12345")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    client
}

async fn every_page_speaks_one_language(app: TestApp) {
    let admin = app.admin().await;
    let renamed = admin.post("/account/profile", &[("name", "Officer Wang"), ("locale", "zh-TW")]).await;
    assert!(renamed.status.is_redirection(), "{}", renamed.body);
    admin.upload("/office/schools/import", "s.csv", SCHOOLS.as_bytes().to_vec()).await;
    let page = admin.upload("/office/communities/import", "c.csv", COMMUNITIES.as_bytes().to_vec()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let links: Vec<String> = page.attrs("input.link-box", "value");
    assert_eq!(links.len(), 2, "{}", page.body);
    let path =
        |link: &str| link.split_once("://").map(|(_, rest)| rest[rest.find('/').unwrap()..].to_string()).unwrap();
    let lin = app.client();
    let ok = lin
        .post(&path(&links[0]), &[("name", "Lin"), ("password", "teaching is fun"), ("confirm", "teaching is fun")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let a = crate::community::community_id(&lin).await;
    lin.post(&format!("/community/{a}/members"), &[("name", "Wang"), ("email", "")]).await;
    lin.post(
        &format!("/community/{a}/meetings"),
        &[("date", "112/02/20"), ("kind", "co_planning"), ("topic", "Planning"), ("minutes", "Notes")],
    )
    .await;
    lin.upload(&format!("/community/{a}/files?category=report&key=lang-{a}-000000000001"), "report.pdf", pdf(2_000))
        .await;
    lin.post(&format!("/community/{a}/links"), &[("url", "https://youtu.be/abc123"), ("title", "Video")]).await;
    let mut reviewers = Vec::new();
    for (name, email) in [("Prof Wang", "wang@ntnu.edu.tw"), ("Prof Chen", "chen@ncu.edu.tw")] {
        let page = admin
            .post(
                "/office/review/reviewers",
                &[("name", name), ("email", email), ("affiliation", "University"), ("school", "")],
            )
            .await;
        reviewers.push(invited(&app, &page, name).await);
    }
    app.clock.set(linxuan_core::time::taipei(chrono::NaiveDate::from_ymd_opt(2023, 6, 14).unwrap(), 10, 0, 0));
    admin.post("/office/review/assign/round-1/auto", &[]).await;
    // A draft score, the conflicts page, a paper score for the other community: the board has
    // something to show.
    let scores = "community,group,round,reviewer,criterion,score\n\
J1,basic-junior,1,chen@ncu.edu.tw,timeliness,20\nJ1,basic-junior,1,chen@ncu.edu.tw,completeness,20\nJ1,basic-junior,1,chen@ncu.edu.tw,richness,40\n\
E1,basic-elementary,1,chen@ncu.edu.tw,timeliness,25\nE1,basic-elementary,1,chen@ncu.edu.tw,completeness,25\nE1,basic-elementary,1,chen@ncu.edu.tw,richness,45\n";
    let imported = admin.upload("/office/review/import", "scores.csv", scores.as_bytes().to_vec()).await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.body);
    admin.post("/office/review/publish", &[("note", "First results"), ("unfinished", "1")]).await;

    let plan = linxuan_core::plan::Plan::builtin();
    let ids = known_ids(&plan);
    let sentences = english_sentences();
    let routes = crate::authz::routes_of(&linxuan::web::router(app.state.clone()));
    let wang_assignment = reviewers[0]
        .get("/review")
        .await
        .attrs("a", "href")
        .into_iter()
        .find(|h| h.starts_with("/review/a/"))
        .expect("an assignment");
    let reviewer_id = wang_assignment.trim_start_matches("/review/a/").to_string();
    let id_of = |sql: &'static str| {
        let app = &app;
        async move {
            use sea_orm::{ConnectionTrait, Statement};
            let row = app
                .state
                .db
                .query_one_raw(Statement::from_string(app.state.db.get_database_backend(), sql.to_string()))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<i32>(0).unwrap().to_string()
        }
    };
    // The awarded community shares its work and its convener is listed as a lecturer: the
    // showcase and the directory have something to show.
    lin.post(&format!("/community/{a}/summary"), &[("summary", "A year of planning together.")]).await;
    lin.post(&format!("/community/{a}/consent"), &[("consent", "yes")]).await;
    lin.post(&format!("/community/{a}/lecturer"), &[("listed", "1"), ("topic", "Starting a community")]).await;
    let code: String = {
        use sea_orm::{ConnectionTrait, Statement};
        let row = app
            .state
            .db
            .query_one_raw(Statement::from_string(
                app.state.db.get_database_backend(),
                format!("SELECT code FROM communities WHERE id = {a}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<String>(0).unwrap()
    };
    let document = id_of("SELECT MIN(id) FROM documents").await;
    let (member, meeting, school, user) = (
        id_of("SELECT MIN(id) FROM members WHERE role = 'member'").await,
        id_of("SELECT MIN(id) FROM meetings").await,
        id_of("SELECT MIN(id) FROM schools").await,
        id_of("SELECT MIN(id) FROM users WHERE role = 'reviewer'").await,
    );
    // Someone registered for the presentation day: their ticket page is read too.
    let added = admin
        .post(
            "/office/event/registrations",
            &[
                ("name", "林老師"),
                ("school", &school),
                ("title", "教師"),
                ("email", "lin.day@school.tyc.edu.tw"),
                ("meal", "veg"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let ticket: String = {
        use sea_orm::{ConnectionTrait, Statement};
        let row = app
            .state
            .db
            .query_one_raw(Statement::from_string(
                app.state.db.get_database_backend(),
                "SELECT ticket FROM registrations".to_string(),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<String>(0).unwrap()
    };
    let sections =
        ["general", "checkpoints", "tracks", "groups", "awards", "rubric", "review", "presentation", "budget"];
    let mut urls: Vec<String> = Vec::new();
    for (method, route) in &routes {
        if method != "GET"
            || route.starts_with("/assets")
            || route.contains("{version}") && !route.contains("publications")
        {
            continue;
        }
        let fill = |section: &str| {
            route
                .replace("/review/a/{id}", &format!("/review/a/{reviewer_id}"))
                .replace("/office/users/{id}", &format!("/office/users/{user}"))
                .replace("/office/review/reviewers/{id}", &format!("/office/review/reviewers/{user}"))
                .replace("/office/schools/{id}", &format!("/office/schools/{school}"))
                .replace("{id}", &a.to_string())
                .replace("{member}", &member)
                .replace("{meeting}", &meeting)
                .replace("{version}", "1")
                .replace("{room}", "1")
                .replace("{token}", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
                .replace("{phase}", "round-1")
                .replace("{group}", "basic-junior")
                .replace("{round}", "2")
                .replace("{section}", section)
                .replace("{year}", "111")
                .replace("{code}", &code)
                .replace("{document}", &document)
                .replace("{seq}", "1")
                .replace("{request}", "1")
                .replace("{ticket}", &ticket)
                .replace("{secret}", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
        };
        if route.contains("{section}") {
            urls.extend(sections.iter().map(|s| fill(s)));
        } else {
            urls.push(fill(""));
        }
    }
    urls.push("/no/such/page".into());
    let anonymous = app.client();
    anonymous.get("/login").await;
    let wang = reviewers.remove(0);
    let clients: [(&str, &Client); 4] =
        [("anonymous", &anonymous), ("convener", &lin), ("reviewer", &wang), ("office", &admin)];
    let mut wrong = Vec::new();
    let mut pages = 0;
    for lang in ["zh-TW", "en"] {
        for (who, client) in clients {
            client.get(&format!("/lang?to={lang}&back=/")).await;
            for url in &urls {
                let page = client.get(url).await;
                let html = page
                    .headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|t| t.starts_with("text/html"));
                if !html || page.status.is_redirection() {
                    continue;
                }
                pages += 1;
                let page_lang = page.attrs("html", "lang").into_iter().next().unwrap_or_default();
                if page_lang != lang {
                    wrong.push(format!("{lang} {url} as {who}: the page says it is {page_lang:?}"));
                }
                for p in problems(&readable(&page, lang), lang, &ids, &sentences) {
                    wrong.push(format!("{lang} {url} as {who}: {p}"));
                }
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "{} problems on {pages} pages:\n{}", wrong.len(), wrong.join("\n"));
    assert!(pages > 100, "{pages} pages read");
}

backends!(every_page_speaks_one_language);
