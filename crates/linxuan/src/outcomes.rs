//! Certificates (獎狀), trophies (獎座) and the commendation roster (敘獎名冊), made from the
//! year's latest publication (SPEC §3, §10). `prepare` says what each paper would say and what
//! is missing before any is made; `make` numbers them in one transaction (a number is kept for
//! good: making twice gives the same numbers, a correction or a revocation voids a number and
//! records why, and no number is used twice); `roster` lists the commendations.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use linxuan_core::outcomes::{self, Numbered, Numbering, Recipient, RosterLine, VoidReason, Wanted};
use linxuan_core::plan::Plan;
use linxuan_pdf::{CertificatePage, CertificatesDocument, Fonts};
use linxuan_store::audit::{self, Actor, Change};
use linxuan_store::communities::{self, Community};
use linxuan_store::outcomes::{self as store, Certificate, NewCertificate};
use linxuan_store::review::Publication;
use linxuan_store::{TransactionTrait, schools};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::published::{self, Published};
use crate::web::error::{AppError, AppResult};

/// The level id a staff member's certificate is filed under.
pub const STAFF_LEVEL: &str = "staff";

/// Something to fix (or to know) before the papers are made: a catalogue key and its values.
#[derive(Debug, Clone)]
pub struct Problem {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    /// Nothing is made while a blocking problem stands.
    pub blocking: bool,
}

impl Problem {
    fn new(key: &'static str, args: Vec<(&'static str, String)>, blocking: bool) -> Problem {
        Problem { key, args, blocking }
    }

    pub fn message(&self, lang: linxuan_core::Lang) -> String {
        let args: Vec<(&str, &str)> = self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        crate::i18n::tf(lang, self.key, &args)
    }
}

/// One certificate as the publication calls for it.
#[derive(Debug, Clone)]
pub struct Item {
    pub recipient: Recipient,
    pub community_id: Option<i32>,
    /// The award level id, or [`STAFF_LEVEL`].
    pub level: String,
    /// The level's name as printed (特優), or 工作人員 for staff.
    pub level_name: String,
    /// The group's name as printed (國小組); empty for staff.
    pub group: String,
    pub school: String,
    /// The community's name, or the staff member's.
    pub name: String,
    pub body: String,
    /// Whether the level also brings a trophy.
    pub trophy: bool,
    /// The trophy's inscription, when it does.
    pub inscription: String,
}

impl Item {
    /// What the register compares to tell a correction: the level and the body.
    pub fn content(&self) -> String {
        format!("{}\n{}", self.level, self.body)
    }
}

/// The body of a register entry (its content without the level line).
pub fn body_of(certificate: &Certificate) -> &str {
    certificate.content.split_once('\n').map_or(certificate.content.as_str(), |(_, body)| body)
}

/// Everything the certificates page shows and `make` checks.
pub struct Prepared {
    pub year: i32,
    pub publication: Publication,
    pub published: Published,
    /// The date the certificates carry.
    pub date: NaiveDate,
    pub items: Vec<Item>,
    /// Awards in the publication revoked since: no certificate (a standing one is voided).
    pub withdrawn: Vec<(String, String)>,
    pub problems: Vec<Problem>,
    /// The whole register of the year, voided entries included.
    pub register: Vec<Certificate>,
    /// What making them now would do.
    pub numbering: Numbering,
    /// Issuer and head as printed.
    pub issuer: String,
    pub head: String,
    pub date_text: String,
}

impl Prepared {
    pub fn blocked(&self) -> bool {
        self.problems.iter().any(|p| p.blocking)
    }

    /// Whether the register already says what the publication calls for.
    pub fn up_to_date(&self) -> bool {
        self.numbering.issued.is_empty() && self.numbering.voided.is_empty()
    }

    /// A digest of what the office saw: `make` refuses when anything changed since.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.publication.version.to_le_bytes());
        for i in &self.items {
            h.update(i.recipient.key().as_bytes());
            h.update([0]);
            h.update(i.content().as_bytes());
            h.update([0]);
        }
        for (code, _) in &self.withdrawn {
            h.update(code.as_bytes());
            h.update([1]);
        }
        for text in [&self.issuer, &self.head, &self.date_text] {
            h.update(text.as_bytes());
            h.update([2]);
        }
        hex::encode(&h.finalize()[..12])
    }

    /// The standing (not voided) register entry of a recipient.
    pub fn standing(&self, recipient: &Recipient) -> Option<&Certificate> {
        let key = recipient.key();
        self.register.iter().find(|c| c.voided_at.is_none() && c.recipient == key)
    }

    /// The number a preview shows: the standing one, if the text is unchanged.
    pub fn number_for(&self, item: &Item) -> Option<&str> {
        self.standing(&item.recipient).filter(|c| c.content == item.content()).map(|c| c.number.as_str())
    }

    fn page(&self, number: String, body: String) -> CertificatePage {
        CertificatePage {
            number,
            title: "獎狀".into(),
            body,
            issuer: self.issuer.clone(),
            head: self.head.clone(),
            date: self.date_text.clone(),
        }
    }

    /// The preview: what each certificate will say, watermarked, numbers as they stand or
    /// marked as still to be given.
    pub fn preview(&self, unnumbered: &str, draft_label: &str) -> CertificatesDocument {
        CertificatesDocument {
            title: format!("{}學年度獎狀（預覽）", self.year),
            draft: true,
            draft_label: draft_label.into(),
            certificates: self
                .items
                .iter()
                .map(|i| {
                    self.page(self.number_for(i).map_or_else(|| unnumbered.to_string(), str::to_string), i.body.clone())
                })
                .collect(),
        }
    }

    /// One recipient's certificate as numbered, while the publication still calls for it as it
    /// is (the rest of the register may be behind: the office's business, not the recipient's).
    pub fn own(&self, recipient: &Recipient) -> Option<CertificatesDocument> {
        let c = self.standing(recipient)?;
        self.numbering.kept.iter().any(|(seq, r)| *seq == c.seq && r == recipient).then(|| CertificatesDocument {
            title: format!("{}學年度獎狀", self.year),
            draft: false,
            draft_label: String::new(),
            certificates: vec![self.page(c.number.clone(), body_of(c).to_string())],
        })
    }

    /// The numbered certificates standing in the register, for printing: all of them, or one
    /// recipient's. Refused while the register is behind the publication.
    pub fn printed(&self, only: Option<&Recipient>) -> AppResult<CertificatesDocument> {
        if !self.up_to_date() {
            return Err(AppError::refused("outcomes.make_first", &[]));
        }
        let key = only.map(Recipient::key);
        let certificates: Vec<CertificatePage> = self
            .register
            .iter()
            .filter(|c| c.voided_at.is_none() && key.as_ref().is_none_or(|k| *k == c.recipient))
            .map(|c| self.page(c.number.clone(), body_of(c).to_string()))
            .collect();
        if certificates.is_empty() {
            return Err(AppError::NotFound);
        }
        Ok(CertificatesDocument {
            title: format!("{}學年度獎狀", self.year),
            draft: false,
            draft_label: String::new(),
            certificates,
        })
    }
}

/// The year's latest publication with the revocations since, or a clear refusal.
pub async fn latest(state: &AppState, year: i32) -> AppResult<published::Current> {
    published::current(&state.db, year).await?.ok_or_else(|| AppError::refused("outcomes.no_publication", &[]))
}

/// What the certificates of the year's latest publication would say, and what stands in the
/// way. `fonts` names characters no font has.
pub async fn prepare(state: &AppState, plan: &Plan, year: i32, fonts: &Fonts) -> AppResult<Prepared> {
    let current = latest(state, year).await?;
    let settings = &plan.outcomes;
    let list = communities::list(&state.db, year).await?;
    let by_code: HashMap<&str, &Community> = list.iter().map(|c| (c.code.as_str(), c)).collect();
    let mut problems = Vec::new();
    let mut items = Vec::new();
    let mut withdrawn = Vec::new();

    let issuer = if settings.issuer.trim().is_empty() { plan.authority.trim() } else { settings.issuer.trim() };
    if issuer.is_empty() {
        problems.push(Problem::new("outcomes.no_issuer", vec![], true));
    }
    if settings.head_name.trim().is_empty() {
        problems.push(Problem::new("outcomes.no_head_name", vec![], true));
    }
    let date = settings.certificate_date.map_or(plan.presentation_day.date.date, |d| d.date());
    let date_text = outcomes::official_date(date, settings.date_style);
    let head = format!("{}　{}", settings.head_title.trim(), settings.head_name.trim()).trim().to_string();

    for g in &current.published.groups {
        let group = plan.groups.get(&g.group).map_or(g.name.clone(), |p| p.name.clone());
        for c in &g.communities {
            let Some((level_id, level_name)) = &c.award else { continue };
            if current.revoked_since(c) {
                withdrawn.push((c.code.clone(), c.name.clone()));
                continue;
            }
            if !current.holds_award(c) {
                continue;
            }
            let level = plan.award_levels.get(level_id);
            let level_name = level.map_or(level_name.clone(), |l| l.name.clone());
            if c.school.trim().is_empty() {
                problems.push(Problem::new(
                    "outcomes.no_school",
                    vec![("code", c.code.clone()), ("name", c.name.clone())],
                    true,
                ));
            }
            let body = outcomes::community_text(settings, year, &c.school, &c.name, &group, &level_name);
            let trophy = level.is_some_and(|l| l.trophy);
            let inscription = if trophy {
                outcomes::trophy_text(settings, year, [&c.school, &c.name, &group, &level_name, issuer, &date_text])
            } else {
                String::new()
            };
            items.push(Item {
                recipient: Recipient::Community(c.code.clone()),
                community_id: by_code.get(c.code.as_str()).map(|x| x.id),
                level: level_id.clone(),
                level_name,
                group: group.clone(),
                school: c.school.clone(),
                name: c.name.clone(),
                body,
                trophy,
                inscription,
            });
        }
    }

    let staff = store::staff(&state.db, year).await?;
    for s in staff.iter().filter(|s| s.certificate) {
        items.push(Item {
            recipient: Recipient::Staff(s.id),
            community_id: None,
            level: STAFF_LEVEL.into(),
            level_name: "工作人員".into(),
            group: String::new(),
            school: s.school.clone(),
            name: s.name.clone(),
            body: outcomes::staff_text(settings, year, &s.school, &s.title, &s.name),
            trophy: false,
            inscription: String::new(),
        });
    }
    for (kind, wanted, entered) in [
        ("嘉獎", "outcomes.staff_commendations", staff.iter().filter(|s| s.commendation).count()),
        ("獎狀", "outcomes.staff_certificates", staff.iter().filter(|s| s.certificate).count()),
    ] {
        let planned: i64 = plan.organiser_rewards.iter().filter(|r| r.reward.contains(kind)).map(|r| r.people).sum();
        if planned > 0 && planned != entered as i64 {
            problems.push(Problem::new(
                wanted,
                vec![("planned", planned.to_string()), ("entered", entered.to_string())],
                false,
            ));
        }
    }

    // An official paper never shows an empty box: every character must have a font.
    let common = format!("獎狀{issuer}{head}{date_text}");
    let missing = fonts.uncovered(&common);
    if !missing.is_empty() {
        problems.push(Problem::new("outcomes.uncovered_settings", vec![("chars", describe_chars(&missing))], true));
    }
    for i in &items {
        let missing = fonts.uncovered(&i.body);
        if !missing.is_empty() {
            let who = match &i.recipient {
                Recipient::Community(code) => format!("{code} {}", i.name),
                Recipient::Staff(_) => i.name.clone(),
            };
            problems.push(Problem::new(
                "outcomes.uncovered",
                vec![("who", who), ("chars", describe_chars(&missing))],
                true,
            ));
        }
    }

    let register = store::certificates(&state.db, year).await?;
    let standing: Vec<Numbered> = register
        .iter()
        .filter(|c| c.voided_at.is_none())
        .filter_map(|c| {
            Some(Numbered { seq: c.seq, recipient: Recipient::parse(&c.recipient)?, content: c.content.clone() })
        })
        .collect();
    let wanted: Vec<Wanted> =
        items.iter().map(|i| Wanted { recipient: i.recipient.clone(), content: i.content() }).collect();
    let last = register.iter().map(|c| c.seq).max().unwrap_or(0);
    let numbering = outcomes::reconcile(&standing, &wanted, last);
    Ok(Prepared {
        year,
        publication: current.publication,
        published: current.published,
        date,
        items,
        withdrawn,
        problems,
        register,
        numbering,
        issuer: issuer.to_string(),
        head,
        date_text,
    })
}

/// `𰀀 (U+30000)`, for a message naming characters no font has.
pub fn describe_chars(chars: &[char]) -> String {
    chars.iter().map(|c| format!("{c} (U+{:04X})", *c as u32)).collect::<Vec<_>>().join("、")
}

/// What making did, for the page and the audit log.
#[derive(Debug, Default, serde::Serialize)]
pub struct Made {
    pub kept: usize,
    pub issued: Vec<String>,
    pub voided: Vec<String>,
}

/// Numbers the certificates the office previewed (`version` and `fingerprint` are what the
/// preview showed): refused when anything changed since, or while a blocking problem stands.
pub async fn make(
    state: &AppState,
    plan: &Plan,
    year: i32,
    actor: &Actor,
    version: i32,
    fingerprint: &str,
) -> AppResult<Made> {
    let fonts = state.typesetter().await;
    let prepared = prepare(state, plan, year, fonts.fonts()).await?;
    if prepared.publication.version != version {
        return Err(AppError::refused(
            "outcomes.not_latest",
            &[("version", &version.to_string()), ("latest", &prepared.publication.version.to_string())],
        ));
    }
    if prepared.blocked() {
        return Err(AppError::refused("outcomes.blocked", &[]));
    }
    if prepared.fingerprint() != fingerprint {
        return Err(AppError::refused("outcomes.changed", &[]));
    }
    let now = state.now();
    let by_recipient: BTreeMap<String, &Item> = prepared.items.iter().map(|i| (i.recipient.key(), i)).collect();
    let txn = state.db.begin().await?;
    // Counted again inside the transaction: a second office making them at the same moment
    // waits for the first and then finds the numbers taken.
    if store::last_seq(&txn, year).await? != prepared.register.iter().map(|c| c.seq).max().unwrap_or(0) {
        return Err(AppError::refused("outcomes.changed", &[]));
    }
    let mut made = Made { kept: prepared.numbering.kept.len(), ..Made::default() };
    for (seq, reason) in &prepared.numbering.voided {
        let reason = match reason {
            VoidReason::Corrected => "corrected",
            VoidReason::Withdrawn => "withdrawn",
        };
        store::void_certificate(&txn, year, *seq, reason, now).await?;
        if let Some(c) = prepared.register.iter().find(|c| c.seq == *seq) {
            made.voided.push(c.number.clone());
        }
    }
    for (seq, recipient, replaces) in &prepared.numbering.issued {
        let Some(item) = by_recipient.get(&recipient.key()) else { continue };
        let number = outcomes::certificate_number(&plan.outcomes, prepared.date, *seq);
        store::issue_certificate(
            &txn,
            year,
            &NewCertificate {
                seq: *seq,
                number: &number,
                recipient: &recipient.key(),
                publication: prepared.publication.version,
                level: &item.level,
                content: &item.content(),
                replaces: *replaces,
            },
            &actor.label,
            now,
        )
        .await
        .map_err(|e| match e {
            linxuan_store::StoreError::Conflict(_) => AppError::refused("outcomes.changed", &[]),
            other => other.into(),
        })?;
        made.issued.push(number);
    }
    audit::record(
        &txn,
        now,
        actor,
        Change::new("certificates.make", "publication", prepared.publication.version).year(year).after(&made),
    )
    .await?;
    txn.commit().await?;
    Ok(made)
}

// ---------------------------------------------------------------- roster

/// A commendation the roster cannot list whole yet.
#[derive(Debug, Clone)]
pub struct Gap {
    /// The community (code and name) or empty for staff.
    pub community: String,
    pub name: String,
    pub title_missing: bool,
    pub id_missing: bool,
}

/// The commendation roster of the latest publication: every member of each community whose
/// level brings a commendation (特優), then the organising staff the office entered for one.
/// With `unseal`, the national IDs in full (the office's export only); else masked.
pub async fn roster(state: &AppState, plan: &Plan, year: i32, unseal: bool) -> AppResult<(Vec<RosterLine>, Vec<Gap>)> {
    let current = latest(state, year).await?;
    let settings = &plan.outcomes;
    let list = communities::list(&state.db, year).await?;
    let by_code: HashMap<&str, &Community> = list.iter().map(|c| (c.code.as_str(), c)).collect();
    let ids: Vec<i32> = list.iter().map(|c| c.id).collect();
    let members = communities::members_of(&state.db, &ids).await?;
    let school_names: HashMap<i32, String> =
        schools::list(&state.db, &Default::default()).await?.into_iter().map(|s| (s.id, s.name)).collect();
    let basis = outcomes::basis(settings, year);
    let mut lines = Vec::new();
    let mut gaps = Vec::new();
    let id_of = |sealed: &Option<String>, masked: &Option<String>| -> String {
        if unseal {
            sealed.as_deref().and_then(|s| state.sealer.open(s)).unwrap_or_default()
        } else {
            masked.clone().unwrap_or_default()
        }
    };
    for g in &current.published.groups {
        let group = plan.groups.get(&g.group).map_or(g.name.clone(), |p| p.name.clone());
        for c in &g.communities {
            let Some((level_id, level_name)) = &c.award else { continue };
            let Some(level) = plan.award_levels.get(level_id) else { continue };
            if !level.commendation || !current.holds_award(c) {
                continue;
            }
            let Some(community) = by_code.get(c.code.as_str()) else { continue };
            let level_name = if level.name.is_empty() { level_name.clone() } else { level.name.clone() };
            // In the order of the community's member list: members, then the convener.
            let mut own: Vec<_> = members.iter().filter(|m| m.community_id == community.id).collect();
            own.sort_by(|a, b| b.role.cmp(&a.role).then(a.id.cmp(&b.id)));
            for m in own {
                let role = if m.role == communities::CONVENER { "召集人" } else { "成員" };
                let school = m
                    .school_id
                    .and_then(|id| school_names.get(&id).cloned())
                    .unwrap_or_else(|| school_names.get(&community.school_id).cloned().unwrap_or_default());
                let national_id = id_of(&m.national_id_sealed, &m.national_id_masked);
                if m.title.trim().is_empty() || m.national_id_sealed.is_none() {
                    gaps.push(Gap {
                        community: format!("{} {}", c.code, c.name),
                        name: m.name.clone(),
                        title_missing: m.title.trim().is_empty(),
                        id_missing: m.national_id_sealed.is_none(),
                    });
                }
                lines.push(RosterLine {
                    no: lines.len() + 1,
                    school,
                    title: m.title.clone(),
                    name: m.name.clone(),
                    national_id,
                    degree: settings.commendation.clone(),
                    reason: outcomes::member_reason(settings, year, &c.name, role, &group, &level_name),
                    basis: basis.clone(),
                });
            }
        }
    }
    for s in store::staff(&state.db, year).await?.into_iter().filter(|s| s.commendation) {
        if s.title.trim().is_empty() || s.national_id_sealed.is_none() {
            gaps.push(Gap {
                community: String::new(),
                name: s.name.clone(),
                title_missing: s.title.trim().is_empty(),
                id_missing: s.national_id_sealed.is_none(),
            });
        }
        lines.push(RosterLine {
            no: lines.len() + 1,
            school: s.school.clone(),
            title: s.title.clone(),
            name: s.name.clone(),
            national_id: id_of(&s.national_id_sealed, &s.national_id_masked),
            degree: settings.commendation.clone(),
            reason: outcomes::staff_reason(settings, year, &s.title),
            basis: basis.clone(),
        });
    }
    Ok((lines, gaps))
}
