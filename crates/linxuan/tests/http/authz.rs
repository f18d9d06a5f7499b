//! The authorization matrix: every route the router has (read from the router itself, so a
//! route added tomorrow is checked tomorrow) × every role × ids of the role's own community or
//! assignment, of another, and mixed (one's own community with another's document), for GET
//! and POST, against one table of who may do what. A route missing from the table fails the
//! test; so does a route in the table the router no longer has.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

use crate::backends;
use crate::community::{community_id, convener, office, pdf};
use crate::support::{Client, Page, TestApp};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in, for their own account.
    SignedIn,
    /// The programme office.
    Office,
    /// The office, when the object may not exist in the fixture (a publication): 404 is fine.
    OfficeMaybeAbsent,
    /// Any convener (and the office, which is sent to its own page).
    ConvenerOrOffice,
    /// Conveners only.
    Convener,
    /// The convener of the community in the path, or the office acting for it.
    Community,
    /// Any reviewer.
    Reviewer,
    /// The reviewer of the assignment in the path.
    Assignment,
    /// The reviewers seated in the room in the path.
    Room,
    /// The presentation day's desk: its staff and the office.
    Desk,
}

/// The table: (method, route) → who may. One line per route and method.
const TABLE: &[(&str, &str, Access)] = {
    use Access::*;
    &[
        ("GET", "/", Public),
        ("GET", "/healthz", Public),
        ("GET", "/lang", Public),
        ("GET", "/login", Public),
        ("POST", "/login", Public),
        ("POST", "/logout", Public),
        ("GET", "/setup/{token}", Public),
        ("POST", "/setup/{token}", Public),
        ("GET", "/invite/{token}", Public),
        ("POST", "/invite/{token}", Public),
        ("GET", "/password/forgot", Public),
        ("POST", "/password/forgot", Public),
        ("GET", "/password/reset/{token}", Public),
        ("POST", "/password/reset/{token}", Public),
        ("GET", "/assets/app.css", Public),
        ("GET", "/assets/app.js", Public),
        // The public showcase and lecturer directory (404 until a publication exists).
        ("GET", "/showcase", Public),
        ("GET", "/showcase/{year}", Public),
        ("GET", "/showcase/{year}/{code}", Public),
        ("GET", "/showcase/{year}/{code}/files/{document}", Public),
        ("GET", "/event", Public),
        ("GET", "/event/{year}", Public),
        ("GET", "/event/{year}/register", Public),
        ("POST", "/event/{year}/register", Public),
        ("GET", "/event/ticket/{ticket}", Public),
        ("POST", "/event/ticket/{ticket}/cancel", Public),
        ("GET", "/assets/checkin.js", Public),
        ("GET", "/assets/jsQR.js", Public),
        ("GET", "/checkin", Desk),
        ("POST", "/checkin/scan", Desk),
        ("POST", "/checkin/hand", Desk),
        ("GET", "/checkin/walk-in", Desk),
        ("POST", "/checkin/walk-in", Desk),
        ("GET", "/lecturers", Public),
        ("GET", "/lecturers/{id}", Public),
        ("POST", "/lecturers/{id}", Public),
        ("GET", "/lecturers/confirm/{secret}", Public),
        ("POST", "/lecturers/confirm/{secret}", Public),
        ("GET", "/account", SignedIn),
        ("POST", "/account/password", SignedIn),
        ("POST", "/account/profile", SignedIn),
        // The community portal.
        ("GET", "/community", ConvenerOrOffice),
        ("POST", "/community/register", Convener),
        ("GET", "/community/{id}", Community),
        ("POST", "/community/{id}/consent", Community),
        ("GET", "/community/{id}/files", Community),
        ("POST", "/community/{id}/files", Community),
        ("GET", "/community/{id}/files/version/{version}", Community),
        ("POST", "/community/{id}/files/{document}/delete", Community),
        ("POST", "/community/{id}/links", Community),
        ("POST", "/community/{id}/links/{link}/delete", Community),
        ("GET", "/community/{id}/meetings", Community),
        ("POST", "/community/{id}/meetings", Community),
        ("GET", "/community/{id}/meetings/new", Community),
        ("GET", "/community/{id}/meetings/{meeting}", Community),
        ("POST", "/community/{id}/meetings/{meeting}", Community),
        ("POST", "/community/{id}/meetings/{meeting}/delete", Community),
        ("GET", "/community/{id}/members", Community),
        ("POST", "/community/{id}/members", Community),
        ("GET", "/community/{id}/members/{member}", Community),
        ("POST", "/community/{id}/members/{member}", Community),
        ("POST", "/community/{id}/members/{member}/convener", Community),
        ("POST", "/community/{id}/members/{member}/delete", Community),
        ("GET", "/community/{id}/results", Community),
        ("GET", "/community/{id}/certificate", Community),
        ("POST", "/community/{id}/summary", Community),
        ("GET", "/community/{id}/lecturer", Community),
        ("POST", "/community/{id}/lecturer", Community),
        ("POST", "/community/{id}/requests/{request}", Community),
        ("GET", "/community/{id}/self-evaluation", Community),
        ("POST", "/community/{id}/self-evaluation", Community),
        // The reviewer's pages.
        ("GET", "/review", Reviewer),
        ("GET", "/review/conflicts", Reviewer),
        ("POST", "/review/conflicts", Reviewer),
        ("GET", "/review/a/{id}", Assignment),
        ("POST", "/review/a/{id}", Assignment),
        ("POST", "/review/a/{id}/conflict", Assignment),
        ("POST", "/review/a/{id}/draft", Assignment),
        ("POST", "/review/a/{id}/total", Assignment),
        ("GET", "/review/a/{id}/file/{version}", Assignment),
        ("GET", "/review/room/{room}", Room),
        // The office.
        ("GET", "/office", Office),
        ("GET", "/office/audit", Office),
        ("GET", "/office/mail", Office),
        ("GET", "/office/communities", Office),
        ("POST", "/office/communities", Office),
        ("POST", "/office/communities/import", Office),
        ("GET", "/office/communities/template.csv", Office),
        ("POST", "/office/communities/{id}/status", Office),
        ("GET", "/office/outcomes", Office),
        ("POST", "/office/outcomes/certificates", Office),
        ("GET", "/office/outcomes/preview.pdf", Office),
        ("GET", "/office/outcomes/certificates.pdf", Office),
        ("GET", "/office/outcomes/certificates/{seq}", OfficeMaybeAbsent),
        ("GET", "/office/outcomes/trophies.xlsx", Office),
        ("GET", "/office/outcomes/roster.xlsx", Office),
        ("POST", "/office/outcomes/staff", Office),
        ("POST", "/office/outcomes/staff/{id}/delete", Office),
        ("GET", "/office/outcomes/lecturers", Office),
        ("GET", "/office/outcomes/showcase", Office),
        ("POST", "/office/outcomes/documents/{id}/public", Office),
        ("GET", "/office/event", Office),
        ("GET", "/office/event/handbook.pdf", Office),
        ("GET", "/office/event/registrations", Office),
        ("POST", "/office/event/registrations", Office),
        ("GET", "/office/event/registrations.xlsx", Office),
        ("POST", "/office/event/registrations/{reg}/cancel", Office),
        ("POST", "/office/event/registrations/{reg}/admit", Office),
        ("GET", "/office/event/hours", Office),
        ("GET", "/office/event/hours.xlsx", Office),
        ("GET", "/office/event/hours.csv", Office),
        ("GET", "/office/event/signin.pdf", Office),
        ("GET", "/office/budget", Office),
        ("POST", "/office/budget/{table}/{line}", Office),
        ("GET", "/office/budget.pdf", Office),
        ("GET", "/office/budget.xlsx", Office),
        ("GET", "/office/plan", Office),
        ("GET", "/office/plan/download", Office),
        ("GET", "/office/plan/edit/{section}", Office),
        ("POST", "/office/plan/edit/{section}", Office),
        ("POST", "/office/plan/next-year", Office),
        ("POST", "/office/plan/upload", Office),
        ("POST", "/office/plan/year", Office),
        ("GET", "/office/progress", Office),
        ("GET", "/office/progress/export.xlsx", Office),
        ("GET", "/office/progress/remind", Office),
        ("POST", "/office/progress/remind", Office),
        ("GET", "/office/review", Office),
        ("GET", "/office/review/assign/{phase}", Office),
        ("POST", "/office/review/assign/{phase}/add", Office),
        ("POST", "/office/review/assign/{phase}/auto", Office),
        ("POST", "/office/review/assign/{phase}/remove", Office),
        ("POST", "/office/review/assign/{phase}/swap", Office),
        ("GET", "/office/review/board", Office),
        ("GET", "/office/review/board/version", Office),
        ("GET", "/office/review/conflicts", Office),
        ("POST", "/office/review/conflicts", Office),
        ("POST", "/office/review/conflicts/{id}/delete", Office),
        ("GET", "/office/review/cut/{group}/{round}", Office),
        ("POST", "/office/review/cut/{group}/{round}", Office),
        ("POST", "/office/review/decision/{group}", Office),
        ("GET", "/office/review/import", Office),
        ("POST", "/office/review/import", Office),
        ("GET", "/office/review/justification.xlsx", Office),
        ("POST", "/office/review/phase/{phase}", Office),
        ("GET", "/office/review/presentation", Office),
        ("POST", "/office/review/presentation/assign", Office),
        ("POST", "/office/review/presentation/build", Office),
        ("POST", "/office/review/presentation/move", Office),
        ("GET", "/office/review/presentation/print", Office),
        ("POST", "/office/review/presentation/rooms", Office),
        ("GET", "/office/review/publications/{version}", OfficeMaybeAbsent),
        ("GET", "/office/review/publications/{version}/results.pdf", OfficeMaybeAbsent),
        ("GET", "/office/review/publish", Office),
        ("POST", "/office/review/publish", Office),
        ("GET", "/office/review/results.csv", Office),
        ("GET", "/office/review/results.pdf", Office),
        ("GET", "/office/review/results.xlsx", Office),
        ("GET", "/office/review/reviewers", Office),
        ("POST", "/office/review/reviewers", Office),
        ("POST", "/office/review/reviewers/{id}", Office),
        ("POST", "/office/review/revoke", Office),
        ("GET", "/office/schools", Office),
        ("POST", "/office/schools", Office),
        ("GET", "/office/schools/export.csv", Office),
        ("GET", "/office/schools/export.xlsx", Office),
        ("POST", "/office/schools/import", Office),
        ("GET", "/office/schools/template.csv", Office),
        ("GET", "/office/schools/{id}", Office),
        ("POST", "/office/schools/{id}", Office),
        ("POST", "/office/schools/{id}/delete", Office),
        ("GET", "/office/users", Office),
        ("POST", "/office/users", Office),
        ("POST", "/office/users/{id}/active", Office),
        ("POST", "/office/users/{id}/resend", Office),
        ("POST", "/office/users/{id}/reset-link", Office),
        ("POST", "/office/users/{id}/role", Office),
    ]
};

/// Allowed answers that change what later requests see: sent last, `/logout` very last.
const DISRUPTIVE: &[&str] = &[
    "/community/{id}/members/{member}/convener",
    "/office/users/{id}/active",
    "/office/users/{id}/role",
    "/office/plan/year",
    "/office/plan/next-year",
    "/logout",
];

/// Every (method, route) the router has, read from its own description of itself.
pub(crate) fn routes_of(router: &axum::Router) -> BTreeSet<(String, String)> {
    let text = format!("{router:?}");
    // The fallback router (the 404 page) comes after the routes people use.
    let main = text.split("fallback_router:").next().unwrap_or(&text);
    let mut methods: BTreeMap<u64, String> = BTreeMap::new();
    let mut paths: BTreeMap<u64, String> = BTreeMap::new();
    let mut rest = main;
    while let Some(at) = rest.find("RouteId(") {
        rest = &rest[at + "RouteId(".len()..];
        let close = rest.find(')').unwrap();
        let id: u64 = rest[..close].trim().trim_end_matches(',').trim().parse().unwrap();
        let after = rest[close + 1..].trim_start_matches(':').trim_start();
        if let Some(path) = after.strip_prefix('"') {
            paths.insert(id, path[..path.find('"').unwrap()].to_string());
        } else if after.starts_with("MethodRouter(") {
            let allow = after.find("allow_header: Bytes(b\"").map(|i| {
                let start = i + "allow_header: Bytes(b\"".len();
                after[start..start + after[start..].find('"').unwrap()].to_string()
            });
            methods.insert(id, allow.unwrap_or_default());
        }
    }
    let mut out = BTreeSet::new();
    for (id, path) in paths {
        for method in methods.get(&id).map(String::as_str).unwrap_or("").split(',') {
            if matches!(method, "GET" | "POST") {
                out.insert((method.to_string(), path.clone()));
            }
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Anonymous,
    /// Convener of community A.
    ConvenerA,
    /// Convener of community B.
    ConvenerB,
    /// Reviewer assigned to community A, seated in room 1.
    ReviewerAssigned,
    /// Reviewer assigned to community B only, seated in room 2.
    ReviewerOther,
    /// Reviewer working at community A's school (never assignable to it).
    ReviewerOwnSchool,
    /// The presentation day's desk.
    Staff,
    Office,
}

const ROLES: [Role; 8] = [
    Role::Anonymous,
    Role::ConvenerA,
    Role::ConvenerB,
    Role::ReviewerAssigned,
    Role::ReviewerOther,
    Role::ReviewerOwnSchool,
    Role::Staff,
    Role::Office,
];

/// Which ids fill a route's path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ids {
    /// Community A and its things; assignment and room of the assigned reviewer.
    Own,
    /// Community B and its things; the other reviewer's assignment and room.
    Other,
    /// Community A (or A's assignment) with B's document, version, link, meeting or member.
    Mixed,
}

/// The fixture's ids, by name.
struct Fixture {
    a: BTreeMap<&'static str, String>,
    b: BTreeMap<&'static str, String>,
}

impl Fixture {
    fn fill(&self, route: &str, ids: Ids) -> String {
        let (main, things) = match ids {
            Ids::Own => (&self.a, &self.a),
            Ids::Other => (&self.b, &self.b),
            Ids::Mixed => (&self.a, &self.b),
        };
        let id = if route.starts_with("/review/a/") {
            &main["assignment"]
        } else if route.starts_with("/office/users/") || route.starts_with("/office/review/reviewers/") {
            &main["user"]
        } else if route.starts_with("/office/schools/") {
            &main["school"]
        } else if route.starts_with("/office/review/conflicts/") {
            &main["conflict"]
        } else {
            &main["community"]
        };
        route
            .replace("{id}", id)
            .replace(
                "{version}",
                if route.starts_with("/office/review/publications/") { "1" } else { &things["version"] },
            )
            .replace("{document}", &things["document"])
            .replace("{link}", &things["link"])
            .replace("{meeting}", &things["meeting"])
            .replace("{member}", &things["member"])
            .replace("{room}", &main["room"])
            .replace("{token}", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
            .replace("{phase}", "round-1")
            .replace("{group}", "basic-elementary")
            .replace("{round}", "2")
            .replace("{section}", "general")
            .replace("{seq}", "1")
            .replace("{secret}", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
            .replace("{year}", "111")
            .replace("{code}", "B-001")
            .replace("{request}", "1")
            .replace("{table}", "basic-selection")
            .replace("{line}", "3")
            .replace("{reg}", "1")
            .replace("{ticket}", "LX-0123456789ABCDEF0123456789ABCDEF")
    }

    /// The id variants worth trying for a route.
    fn variants(route: &str) -> Vec<Ids> {
        let things = ["{version}", "{document}", "{link}", "{meeting}", "{member}"];
        let scoped = route.contains("{id}") || route.contains("{room}");
        let mut out = vec![Ids::Own];
        if scoped {
            out.push(Ids::Other);
        }
        if (route.starts_with("/community/{id}") || route.starts_with("/review/a/{id}"))
            && things.iter().any(|t| route.contains(t))
        {
            out.push(Ids::Mixed);
        }
        out
    }
}

/// May `role` use `route` with `ids`?
fn expected(access: Access, role: Role, ids: Ids) -> bool {
    use Role::*;
    match access {
        Access::Public => true,
        Access::SignedIn => role != Anonymous,
        Access::Office | Access::OfficeMaybeAbsent => role == Office,
        Access::ConvenerOrOffice => matches!(role, ConvenerA | ConvenerB | Office),
        Access::Convener => matches!(role, ConvenerA | ConvenerB),
        Access::Community => match ids {
            Ids::Mixed => false,
            Ids::Own => matches!(role, ConvenerA | Office),
            Ids::Other => matches!(role, ConvenerB | Office),
        },
        Access::Reviewer => matches!(role, ReviewerAssigned | ReviewerOther | ReviewerOwnSchool),
        Access::Assignment | Access::Room => match ids {
            Ids::Mixed => false,
            Ids::Own => role == ReviewerAssigned,
            Ids::Other => role == ReviewerOther,
        },
        Access::Desk => matches!(role, Staff | Office),
    }
}

/// How an answer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Sent to sign in, refused (403), or told there is no such thing (404).
    Denied,
    /// Refused because the deadline or the phase has passed: the role got past the check.
    Closed,
    /// Anything else a working page or form gives: 200, a redirect elsewhere, 4xx for a bad form.
    Served,
    /// A form token problem or a server error: the test itself is broken, or the server.
    Broken,
}

fn read(page: &Page) -> Answer {
    let to_login = page.location.as_deref().is_some_and(|l| l.starts_with("/login"));
    match page.status {
        s if s.is_server_error() && s != StatusCode::SERVICE_UNAVAILABLE => Answer::Broken,
        StatusCode::FORBIDDEN if page.has("表單已過期或來源不明") => Answer::Broken,
        StatusCode::FORBIDDEN if page.has("已過截止期限") => Answer::Closed,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED => Answer::Denied,
        _ if to_login => Answer::Denied,
        _ => Answer::Served,
    }
}

#[derive(FromQueryResult)]
struct Id {
    id: i32,
}

async fn id_of(app: &TestApp, sql: &str) -> String {
    let backend = app.state.db.get_database_backend();
    Id::find_by_statement(Statement::from_string(backend, sql.to_string()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("nothing for {sql}"))
        .id
        .to_string()
}

/// Gives a community a member, a meeting, a report and a video link.
async fn fill_community(client: &Client, id: i32, who: &str) {
    let page = client.post(&format!("/community/{id}/members"), &[("name", who), ("email", "")]).await;
    assert!(page.status.is_redirection(), "{}", page.body);
    let page = client
        .post(
            &format!("/community/{id}/meetings"),
            &[("date", "112/02/20"), ("kind", "co_planning"), ("topic", "共同備課"), ("minutes", "紀錄")],
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.body);
    let page = client
        .upload(&format!("/community/{id}/files?category=report&key=authz-{id}-000000000001"), "r.pdf", pdf(2_000))
        .await;
    assert!(page.status.is_redirection(), "{}", page.body);
    let page =
        client.post(&format!("/community/{id}/links"), &[("url", "https://youtu.be/abc123"), ("title", "影片")]).await;
    assert!(page.status.is_redirection(), "{}", page.body);
}

/// A client signed in through an invitation link shown to the office.
async fn invited(app: &TestApp, page: &Page, name: &str) -> Client {
    let link = page.attrs("input.link-box", "value").into_iter().next().expect("the link is shown without SMTP");
    let path = link.split_once("://").map(|(_, rest)| rest[rest.find('/').unwrap()..].to_string()).unwrap();
    let client = app.client();
    let ok =
        client.post(&path, &[("name", name), ("password", "reviewing 12345"), ("confirm", "reviewing 12345")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    client
}

async fn every_route_for_every_role(app: TestApp) {
    // The fixture: two communities with members, meetings, files and links; three reviewers —
    // one assigned to A (room 1), one to B (room 2), one at A's school; a declared conflict.
    let (admin, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let chen = convener(&app, &links[1]).await;
    let a = community_id(&lin).await;
    let b = community_id(&chen).await;
    fill_community(&lin, a, "王老師").await;
    fill_community(&chen, b, "張老師").await;
    let school_a = id_of(&app, "SELECT id FROM schools WHERE code = '034750'").await;
    let mut reviewers = Vec::new();
    for (name, email, school) in [
        ("王教授", "wang@ntnu.edu.tw", String::new()),
        ("陳教授", "chen@ncu.edu.tw", String::new()),
        ("李校長", "lee@school.tyc.edu.tw", school_a.clone()),
    ] {
        let page = admin
            .post(
                "/office/review/reviewers",
                &[("name", name), ("email", email), ("affiliation", "大學"), ("school", &school)],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        reviewers.push(invited(&app, &page, name).await);
    }
    let page = admin
        .post("/office/users", &[("name", "報到組"), ("email", "desk@school.tyc.edu.tw"), ("role", "staff")])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let desk = invited(&app, &page, "報到組").await;
    let user = |email: &str| format!("SELECT id FROM users WHERE email = '{email}'");
    let (wang, chen_r) = (id_of(&app, &user("wang@ntnu.edu.tw")).await, id_of(&app, &user("chen@ncu.edu.tw")).await);
    for (community, reviewer) in [(a.to_string(), &wang), (b.to_string(), &chen_r)] {
        let page =
            admin.post("/office/review/assign/round-1/add", &[("community", &community), ("reviewer", reviewer)]).await;
        assert!(page.status.is_redirection(), "{}", page.body);
    }
    let page = admin
        .post(
            "/office/review/conflicts",
            &[("community", &b.to_string()), ("reviewer", &wang), ("reason", "曾輔導該社群")],
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.body);
    let page = admin
        .post(
            "/office/review/presentation/rooms",
            &[(&format!("room.{wang}") as &str, "1"), (&format!("room.{chen_r}"), "2")],
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.body);
    let of =
        |table: &str, community: i32| format!("SELECT MIN(id) AS id FROM {table} WHERE community_id = {community}");
    let mut fixture = Fixture { a: BTreeMap::new(), b: BTreeMap::new() };
    for (map, community, reviewer, room) in [(&mut fixture.a, a, &wang, "1"), (&mut fixture.b, b, &chen_r, "2")] {
        map.insert("community", community.to_string());
        map.insert("document", id_of(&app, &of("documents", community)).await);
        map.insert("link", id_of(&app, &of("links", community)).await);
        map.insert("meeting", id_of(&app, &of("meetings", community)).await);
        map.insert("member", id_of(&app, &format!("{} AND role = 'member'", of("members", community))).await);
        map.insert(
            "version",
            id_of(
                &app,
                &format!(
                    "SELECT MIN(v.id) AS id FROM file_versions v JOIN documents d ON d.id = v.document_id WHERE d.community_id = {community}"
                ),
            )
            .await,
        );
        map.insert(
            "assignment",
            id_of(
                &app,
                &format!("SELECT id FROM assignments WHERE community_id = {community} AND reviewer_id = {reviewer}"),
            )
            .await,
        );
        map.insert("user", reviewer.clone());
        map.insert("room", room.to_string());
        map.insert(
            "school",
            id_of(&app, &format!("SELECT school_id AS id FROM communities WHERE id = {community}")).await,
        );
        map.insert("conflict", id_of(&app, "SELECT MIN(id) AS id FROM conflicts").await);
    }
    // Round 1 is open; the communities' records are closed (the office may still correct them).
    app.clock.set(linxuan_core::time::taipei(chrono::NaiveDate::from_ymd_opt(2023, 6, 14).unwrap(), 10, 0, 0));

    // The routes, from the router itself, against the table.
    let routes = routes_of(&linxuan::web::router(app.state.clone()));
    assert!(routes.len() > 100, "the router lists its routes ({} found)", routes.len());
    let table: BTreeMap<(String, String), Access> =
        TABLE.iter().map(|(m, p, a)| ((m.to_string(), p.to_string()), *a)).collect();
    let missing: Vec<_> = routes.iter().filter(|r| !table.contains_key(*r)).collect();
    assert!(missing.is_empty(), "routes without a line in the table (say who may use them): {missing:?}");
    let stale: Vec<_> = table.keys().filter(|r| !routes.contains(*r)).collect();
    assert!(stale.is_empty(), "lines of the table for routes the router no longer has: {stale:?}");

    let anonymous = app.client();
    anonymous.get("/login").await;
    let [wang_c, chen_c, lee_c]: [Client; 3] = reviewers.try_into().ok().unwrap();
    let clients: BTreeMap<Role, Client> = [
        (Role::Anonymous, anonymous),
        (Role::ConvenerA, lin),
        (Role::ConvenerB, chen),
        (Role::ReviewerAssigned, wang_c),
        (Role::ReviewerOther, chen_c),
        (Role::ReviewerOwnSchool, lee_c),
        (Role::Staff, desk),
        (Role::Office, admin),
    ]
    .into_iter()
    .collect();
    for client in clients.values() {
        // The current form token of each session.
        client.get("/account").await;
    }

    // Every request once: GETs, then POSTs that must be refused, then the allowed POSTs (which
    // change things), the disruptive ones last.
    let mut plan: Vec<(u8, String, String, Role, Ids, bool)> = Vec::new();
    for (method, route) in &routes {
        let access = table[&(method.clone(), route.clone())];
        for ids in Fixture::variants(route) {
            for role in ROLES {
                let allowed = expected(access, role, ids);
                let order = match (method.as_str(), allowed) {
                    ("GET", _) => 0,
                    (_, false) => 1,
                    _ if route == "/logout" => 4,
                    _ if DISRUPTIVE.contains(&route.as_str()) => 3,
                    _ => 2,
                };
                plan.push((order, method.clone(), route.clone(), role, ids, allowed));
            }
        }
    }
    plan.sort_by(|x, y| (x.0, &x.2, x.3, x.4).cmp(&(y.0, &y.2, y.3, y.4)));
    let mut wrong = Vec::new();
    for (_, method, route, role, ids, allowed) in &plan {
        let url = fixture.fill(route, *ids);
        let client = &clients[role];
        let page = if method == "GET" { client.get(&url).await } else { client.post(&url, &[]).await };
        let answer = read(&page);
        let access = table[&(method.clone(), route.clone())];
        let ok = match (answer, *allowed) {
            (Answer::Broken, _) => false,
            // Public pages may send people on (the front page sends a stranger to sign in).
            (_, true) if access == Access::Public => true,
            (Answer::Denied, false) => true,
            (_, false) => false,
            // An allowed GET must show the page; 404 only where the object may not exist.
            (Answer::Denied, true) if method == "GET" => {
                access == Access::OfficeMaybeAbsent && page.status == StatusCode::NOT_FOUND
            }
            // An allowed POST with an empty form may be turned down for the form, even with
            // "not found" for the thing it names — never as a role (403) or sent to sign in.
            (Answer::Denied, true) => page.status == StatusCode::NOT_FOUND,
            (_, true) => true,
        };
        if !ok {
            wrong.push(format!(
                "{method} {url} as {role:?} ({ids:?} ids): expected {}, got {} {:?}{}",
                if *allowed { "allowed" } else { "refused" },
                page.status.as_u16(),
                answer,
                page.location.as_deref().map(|l| format!(" → {l}")).unwrap_or_default()
            ));
        }
    }
    let checked = plan.len();
    assert!(wrong.is_empty(), "{} of {checked} answers are wrong:\n{}", wrong.len(), wrong.join("\n"));
    assert!(checked > 1_000, "{checked} requests");
}

backends!(every_route_for_every_role);
