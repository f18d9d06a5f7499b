//! The presentation day: the programme from the plan and the latest publication; registration
//! with its waiting list, tickets, the desk's scans and study hours — the rules from
//! `linxuan_core::event`, one transaction each under the year's lock.

use chrono::{DateTime, Utc};
use linxuan_core::event::{self, AgendaLine, Team};
use linxuan_core::event::{ScanAnswer, ScanKind, Shortfall, Standing, WaitReason};
use linxuan_store::TransactionTrait;
use linxuan_store::audit::{self, Actor, Change};
use linxuan_store::event::{self as store, CANCELLED, NewRegistration, REGISTERED, Registration, WAITING};

use crate::mail::{self, Attachment};
use crate::web::error::AppError;

use linxuan_core::plan::{Plan, Problem};

use crate::app::AppState;
use crate::published::Current;
use crate::web::error::AppResult;

/// The programme and the publication it was filled from, with the revocations since (None
/// before any).
pub async fn programme(state: &AppState, plan: &Plan, year: i32) -> AppResult<(Vec<AgendaLine>, Option<Current>)> {
    let Some(current) = crate::published::current(&state.db, year).await? else {
        return Ok((event::agenda(plan, None), None));
    };
    let top = event::top_level(plan);
    let winners: Vec<Team> = current
        .published
        .groups
        .iter()
        .flat_map(|g| {
            g.communities
                .iter()
                .filter(|c| current.holds_award(c) && c.award.as_ref().map(|(l, _)| l.as_str()) == top)
                .map(|c| Team {
                    group: g.group.clone(),
                    code: c.code.clone(),
                    school: c.school.clone(),
                    community: c.name.clone(),
                })
        })
        .collect();
    Ok((event::agenda(plan, Some(&winners)), Some(current)))
}

// ---------------------------------------------------------------------------------------------
// Registration, tickets, the desk and study hours: the rules are `linxuan_core::event`'s; here
// they meet the database (one transaction each, under the year's lock) and the mail.

/// Who decides about places: the public form keeps every rule; the office may waive the
/// school's; a walk-in at the desk is in the room already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Public,
    Office,
    WalkIn,
}

impl Entry {
    fn source(self) -> &'static str {
        match self {
            Entry::Public => "public",
            Entry::Office => "office",
            Entry::WalkIn => "walk-in",
        }
    }
}

/// Why the public form does not take registrations now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotOpen {
    /// The plan sets no registration dates.
    NotSet,
    /// Opens on this day.
    NotYet(chrono::NaiveDate),
    /// Closed after this day.
    Closed(chrono::NaiveDate),
}

impl NotOpen {
    pub fn message(self, lang: linxuan_core::Lang) -> String {
        let date = |d| crate::web::format::date_in(lang, d);
        match self {
            NotOpen::NotSet => crate::i18n::t(lang, "event.reg_not_set").into_owned(),
            NotOpen::NotYet(d) => crate::i18n::tf(lang, "event.reg_not_yet", &[("date", &date(d))]),
            NotOpen::Closed(d) => crate::i18n::tf(lang, "event.reg_closed", &[("date", &date(d))]),
        }
    }

    pub fn error(self) -> AppError {
        let (zh, en) = (self.message(linxuan_core::Lang::ZhTw), self.message(linxuan_core::Lang::En));
        match self {
            NotOpen::Closed(_) => AppError::Closed { zh, en },
            _ => AppError::BadRequest { zh, en },
        }
    }
}

/// Whether registration is open on the public form now (Taipei days, both ends included).
pub fn registration_open(plan: &Plan, now: DateTime<Utc>) -> Result<(), NotOpen> {
    let day = &plan.presentation_day;
    let today = linxuan_core::time::local_date(now);
    let (Some(opens), Some(closes)) = (day.registration_opens, day.registration_closes) else {
        return Err(NotOpen::NotSet);
    };
    if today < opens.0 {
        return Err(NotOpen::NotYet(opens.0));
    }
    if today > closes.0 {
        return Err(NotOpen::Closed(closes.0));
    }
    Ok(())
}

fn refusal(key: &str, args: &[(&str, &str)]) -> AppError {
    AppError::refused(key, args)
}

fn standing(list: &[Registration]) -> Vec<Standing> {
    list.iter()
        .filter(|r| r.status != CANCELLED)
        .map(|r| Standing {
            id: r.id,
            school: r.school_id,
            waiting: r.status == WAITING,
            waives_school: r.source != "public",
        })
        .collect()
}

fn summary(r: &Registration) -> serde_json::Value {
    serde_json::json!({
        "name": r.name, "school": r.school_name, "title": r.title, "email": r.email, "meal": r.meal,
        "national_id": r.national_id_masked, "status": r.status, "wait_reason": r.wait_reason,
    })
}

/// Registers someone: refused for an e-mail address already registered this year; otherwise a
/// place or the waiting list, as the rules say, decided under the year's lock.
pub async fn register(
    state: &AppState,
    plan: &Plan,
    year: i32,
    data: NewRegistration,
    entry: Entry,
    actor: &Actor,
) -> AppResult<Registration> {
    let day = &plan.presentation_day;
    let now = state.now();
    let txn = state.db.begin().await?;
    store::lock_year(&txn, year).await?;
    if !data.email.is_empty()
        && let Some(before) = store::standing_by_email(&txn, year, &data.email).await?
    {
        // The public is not told whose address it is.
        return Err(match entry {
            Entry::Public => refusal("event.email_taken_public", &[("email", &data.email)]),
            _ => refusal("event.email_taken", &[("email", &data.email), ("name", &before.name)]),
        });
    }
    // A walk-in's form sent twice (a double tap, a resend) adds the person once.
    if entry == Entry::WalkIn
        && let Some(same) = store::list(&txn, year).await?.into_iter().find(|r| {
            r.source == "walk-in"
                && r.status != CANCELLED
                && r.name == data.name
                && r.school_name == data.school_name
                && now - r.created_at < chrono::Duration::minutes(10)
        })
    {
        txn.rollback().await?;
        return Ok(same);
    }
    let (registered, of_school) = store::places(&txn, year, data.school_id).await?;
    let of_school = data.school_id.map(|_| of_school);
    let placed = match entry {
        Entry::Public => event::place(registered, of_school, day.registrations_per_school, day.capacity),
        Entry::Office => event::place(registered, None, day.registrations_per_school, day.capacity),
        Entry::WalkIn => Ok(()),
    };
    let (status, reason) = match placed {
        Ok(()) => (REGISTERED, None),
        Err(why) => (WAITING, Some(why.as_str())),
    };
    let data = NewRegistration { source: entry.source().into(), ..data };
    let row = store::insert(&txn, year, &data, status, reason, &actor.label, now).await?;
    audit::record(
        &txn,
        now,
        actor,
        Change::new("registration.add", "registration", row.id).year(year).after(&summary(&row)),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Cancels a registration and moves the waiting list up as far as the rules now allow; returns
/// the cancelled registration and those given a place (to be told).
pub async fn cancel(
    state: &AppState,
    plan: &Plan,
    id: i32,
    actor: &Actor,
) -> AppResult<(Registration, Vec<Registration>)> {
    let now = state.now();
    let txn = state.db.begin().await?;
    let before = store::get(&txn, id).await?.ok_or(AppError::NotFound)?;
    store::lock_year(&txn, before.plan_year).await?;
    let before = store::get(&txn, id).await?.ok_or(AppError::NotFound)?;
    if before.status == CANCELLED {
        return Err(refusal("event.already_cancelled", &[("name", &before.name)]));
    }
    if before.checked_in_at.is_some() {
        return Err(refusal("event.cancel_checked_in", &[("name", &before.name)]));
    }
    let cancelled = store::cancel(&txn, id, &actor.label, now).await?;
    audit::record(
        &txn,
        now,
        actor,
        Change::new("registration.cancel", "registration", id)
            .year(before.plan_year)
            .before(&summary(&before))
            .after(&summary(&cancelled)),
    )
    .await?;
    // Once the day has begun nobody is given a place any more (and nobody is mailed one).
    let promoted = if linxuan_core::time::local_date(now) < plan.presentation_day.date.date {
        promote(&txn, plan, before.plan_year, now).await?
    } else {
        Vec::new()
    };
    txn.commit().await?;
    Ok((cancelled, promoted))
}

/// Gives a place to everyone waiting who now fits, in order (inside the caller's transaction).
async fn promote(
    txn: &linxuan_store::DatabaseTransaction,
    plan: &Plan,
    year: i32,
    now: DateTime<Utc>,
) -> AppResult<Vec<Registration>> {
    let day = &plan.presentation_day;
    let list = store::list(txn, year).await?;
    let mut promoted = Vec::new();
    for id in event::promotions(&standing(&list), day.registrations_per_school, day.capacity) {
        let row = store::set_status(txn, id, REGISTERED, None, now).await?;
        audit::record(
            txn,
            now,
            &Actor::system(),
            Change::new("registration.promote", "registration", id).year(year).after(&summary(&row)),
        )
        .await?;
        promoted.push(row);
    }
    Ok(promoted)
}

/// The office admits someone from the waiting list: past the school's rule, not past the
/// venue's capacity (raise it first).
pub async fn admit(state: &AppState, plan: &Plan, id: i32, actor: &Actor) -> AppResult<Registration> {
    let now = state.now();
    let txn = state.db.begin().await?;
    let row = store::get(&txn, id).await?.ok_or(AppError::NotFound)?;
    store::lock_year(&txn, row.plan_year).await?;
    // Read again under the lock: it may have been cancelled meanwhile.
    let row = store::get(&txn, id).await?.ok_or(AppError::NotFound)?;
    if row.status != WAITING {
        return Err(refusal("event.not_waiting", &[("name", &row.name)]));
    }
    let (registered, _) = store::places(&txn, row.plan_year, None).await?;
    if event::place(registered, None, plan.presentation_day.registrations_per_school, plan.presentation_day.capacity)
        .is_err()
    {
        let capacity = plan.presentation_day.capacity.unwrap_or_default().to_string();
        return Err(refusal("event.venue_full", &[("capacity", &capacity)]));
    }
    let admitted = store::set_status(&txn, id, REGISTERED, None, now).await?;
    audit::record(
        &txn,
        now,
        actor,
        Change::new("registration.admit", "registration", id)
            .year(row.plan_year)
            .before(&summary(&row))
            .after(&summary(&admitted)),
    )
    .await?;
    txn.commit().await?;
    Ok(admitted)
}

/// A plan may not hold fewer people than have places already: the capacity it sets must be at
/// least the registrations holding a place. The problem names both numbers.
///
/// Checked only when the capacity is lowered (or set where there was none): walk-ins are let in
/// past the capacity, and must not stop the office saving anything else.
pub async fn capacity_problem(state: &AppState, year: i32, before: &Plan, plan: &Plan) -> AppResult<Option<Problem>> {
    let Some(capacity) = plan.presentation_day.capacity else {
        return Ok(None);
    };
    if before.presentation_day.capacity.is_some_and(|b| capacity >= b) {
        return Ok(None);
    }
    let (registered, _) = store::places(&state.db, year, None).await?;
    if capacity >= registered {
        return Ok(None);
    }
    let args = [("capacity", capacity.to_string()), ("registered", registered.to_string())];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Ok(Some(Problem {
        path: "presentation_day.capacity".into(),
        zh: crate::i18n::tf(linxuan_core::Lang::ZhTw, "event.capacity_below", &args),
        en: crate::i18n::tf(linxuan_core::Lang::En, "event.capacity_below", &args),
    }))
}

/// After a plan change (a higher capacity): the waiting list moves up as far as it now can.
pub async fn after_plan_change(state: &AppState, plan: &Plan, year: i32) -> AppResult<Vec<Registration>> {
    let now = state.now();
    let txn = state.db.begin().await?;
    store::lock_year(&txn, year).await?;
    let promoted = promote(&txn, plan, year, now).await?;
    txn.commit().await?;
    Ok(promoted)
}

// ------------------------------------------------------------------ tickets

/// The ticket's QR code as an SVG drawing (the ticket page).
pub fn ticket_svg(code: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M) {
        Ok(qr) => qr.render::<qrcode::render::svg::Color>().min_dimensions(240, 240).quiet_zone(true).build().replacen(
            "<?xml version=\"1.0\" standalone=\"yes\"?>",
            "",
            1,
        ),
        Err(_) => String::new(),
    }
}

/// The ticket's QR code as a PNG (attached to the mail: it shows without a connection).
pub fn ticket_png(code: &str) -> Vec<u8> {
    const SCALE: usize = 8;
    const QUIET: usize = 4;
    let Ok(qr) = qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M) else {
        return Vec::new();
    };
    let width = qr.width();
    let colors = qr.to_colors();
    let side = (width + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for y in 0..width {
        for x in 0..width {
            if colors[y * width + x] == qrcode::Color::Dark {
                for dy in 0..SCALE {
                    let row = (y + QUIET) * SCALE + dy;
                    let start = row * side + (x + QUIET) * SCALE;
                    pixels[start..start + SCALE].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let written = encoder.write_header().and_then(|mut w| w.write_image_data(&pixels));
        if written.is_err() {
            return Vec::new();
        }
    }
    out
}

/// E-mails the ticket (after the response; a failed mail does not undo the registration,
/// and the confirmation page shows the ticket too), in `lang` — the page's language for the
/// public form, Chinese when the office or the waiting list moved it.
pub fn mail_ticket(state: &AppState, plan: &Plan, r: &Registration, lang: linxuan_core::Lang) {
    if r.email.is_empty() {
        return;
    }
    let state2 = state.clone();
    let link = state.link(&format!("/event/ticket/{}", r.ticket));
    let day = &plan.presentation_day;
    let date = crate::web::format::date_long_in(lang, day.date.date);
    let why = match r.wait_reason.as_deref().and_then(WaitReason::parse) {
        Some(WaitReason::School) => crate::i18n::t(lang, "mail.ticket.why_school"),
        _ => crate::i18n::t(lang, "mail.ticket.why_venue"),
    };
    let args = [
        ("name", r.name.as_str()),
        ("event", day.name.as_str()),
        ("date", date.as_str()),
        ("venue", day.venue.as_str()),
        ("link", link.as_str()),
        ("why", why.as_ref()),
    ];
    let (subject_key, body_key, kind) = if r.status == REGISTERED {
        ("mail.ticket.subject", "mail.ticket.body", "event-ticket")
    } else {
        ("mail.ticket.waiting_subject", "mail.ticket.waiting_body", "event-waiting")
    };
    let subject = crate::i18n::tf(lang, subject_key, &args);
    let body = crate::i18n::tf(lang, body_key, &args);
    let to = r.email.clone();
    let attachments = if r.status == REGISTERED {
        vec![Attachment { name: "ticket.png".into(), content_type: "image/png", bytes: ticket_png(&r.ticket) }]
    } else {
        Vec::new()
    };
    state.background.spawn(async move {
        mail::send_with(&state2, kind, &to, &subject, &body, &attachments, "system").await;
    });
}

// ------------------------------------------------------------------ the desk

/// A scan as the desk's phone sends it.
pub struct ScanRequest {
    /// The phone's own id for this scan (sent again after a dropped connection).
    pub scan_id: String,
    /// The ticket's code, or a registration picked by hand.
    pub ticket: Option<String>,
    pub registration_id: Option<i32>,
    pub kind: ScanKind,
    /// When the phone made the scan.
    pub at: Option<DateTime<Utc>>,
}

/// A scan's answer and whom it was about.
pub struct ScanResult {
    pub answer: ScanAnswer,
    pub registration: Registration,
    /// This scan id had been received before: nothing new was recorded.
    pub repeated: bool,
}

/// The time a scan counts at: the phone's, when it is within the last twelve hours and not in
/// the future (a queued scan keeps the time it was made); else the server's.
pub fn scan_time(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
    match at {
        Some(t) if t <= now + chrono::Duration::seconds(5) && t >= now - chrono::Duration::hours(12) => t.min(now),
        _ => now,
    }
}

fn answer_name(a: ScanAnswer) -> (&'static str, Option<DateTime<Utc>>) {
    match a {
        ScanAnswer::CheckedIn(t) => ("checked-in", Some(t)),
        ScanAnswer::CheckedOut(t) => ("checked-out", Some(t)),
        ScanAnswer::AlreadyIn(t) => ("already-in", Some(t)),
        ScanAnswer::AlreadyOut(t) => ("already-out", Some(t)),
        ScanAnswer::NotCheckedIn => ("not-checked-in", None),
        ScanAnswer::Waiting => ("waiting", None),
        ScanAnswer::Cancelled => ("cancelled", None),
    }
}

fn answer_of(name: &str, at: Option<DateTime<Utc>>) -> ScanAnswer {
    let t = at.unwrap_or_default();
    match name {
        "checked-in" => ScanAnswer::CheckedIn(t),
        "checked-out" => ScanAnswer::CheckedOut(t),
        "already-in" => ScanAnswer::AlreadyIn(t),
        "already-out" => ScanAnswer::AlreadyOut(t),
        "not-checked-in" => ScanAnswer::NotCheckedIn,
        "waiting" => ScanAnswer::Waiting,
        _ => ScanAnswer::Cancelled,
    }
}

pub fn answer_key(a: ScanAnswer) -> &'static str {
    answer_name(a).0
}

/// Records a scan once: a scan id seen before gets the answer it got then. `Ok(None)`: the
/// ticket is not one of this year's (forged, mistyped, another year's).
pub async fn scan(state: &AppState, year: i32, req: &ScanRequest, by: &str) -> AppResult<Option<ScanResult>> {
    let now = state.now();
    let found = match (&req.ticket, req.registration_id) {
        (Some(ticket), _) => store::by_ticket(&state.db, ticket.trim()).await?,
        (None, Some(id)) => store::get(&state.db, id).await?,
        (None, None) => None,
    };
    let Some(found) = found.filter(|r| r.plan_year == year) else {
        return Ok(None);
    };
    let at = scan_time(req.at, now);
    let txn = state.db.begin().await?;
    store::lock_year(&txn, year).await?;
    // Sent before (or twice at once: the second waits for the lock and then finds the first):
    // the first answer, nothing recorded.
    if let Some(seen) = store::scan_by_id(&txn, &req.scan_id).await? {
        let registration = store::get(&txn, seen.registration_id).await?.filter(|r| r.plan_year == year);
        txn.rollback().await?;
        return Ok(registration.map(|registration| ScanResult {
            answer: answer_of(&seen.answer, seen.answer_at),
            registration,
            repeated: true,
        }));
    }
    let r = store::get(&txn, found.id).await?.ok_or(AppError::NotFound)?;
    let answer = event::scan(req.kind, &r.status, r.checked_in_at, r.checked_out_at, at);
    let revised = event::revised(req.kind, answer, at);
    let registration = if answer.recorded() {
        store::set_checked(&txn, r.id, req.kind == ScanKind::Out, at, now).await?
    } else if let Some(better) = revised {
        store::set_checked(&txn, r.id, req.kind == ScanKind::Out, better, now).await?
    } else {
        r
    };
    let answer = match (answer, revised) {
        (ScanAnswer::AlreadyIn(_), Some(t)) => ScanAnswer::AlreadyIn(t),
        (ScanAnswer::AlreadyOut(_), Some(t)) => ScanAnswer::AlreadyOut(t),
        (a, _) => a,
    };
    let (name, answer_at) = answer_name(answer);
    store::record_scan(
        &txn,
        &store::NewScan {
            scan_id: &req.scan_id,
            registration_id: registration.id,
            kind: req.kind.as_str(),
            at,
            by,
            answer: name,
            answer_at,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Some(ScanResult { answer, registration, repeated: false }))
}

// ------------------------------------------------------------------ study hours

/// One person's study hours, or why they have none.
pub struct HoursLine {
    pub registration: Registration,
    pub hours: Option<rust_decimal::Decimal>,
    pub shortfalls: Vec<Shortfall>,
}

/// Everyone holding a place (or checked in) with their study hours by the plan's rule.
pub fn hours(plan: &Plan, list: &[Registration]) -> Vec<HoursLine> {
    let day = &plan.presentation_day;
    let Some(window) = day.window() else {
        return Vec::new();
    };
    list.iter()
        .filter(|r| r.status == REGISTERED || r.checked_in_at.is_some())
        .map(|r| {
            let shortfalls =
                event::shortfalls(day.date.date, window, day.grace_minutes, r.checked_in_at, r.checked_out_at);
            let hours = shortfalls.is_empty().then_some(day.study_hours);
            HoursLine { registration: r.clone(), hours, shortfalls }
        })
        .collect()
}

/// How many have a place, wait, cancelled, checked in and out; meals by kind.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub registered: usize,
    pub waiting: usize,
    pub cancelled: usize,
    pub checked_in: usize,
    pub checked_out: usize,
    pub veg: usize,
}

impl Counts {
    pub fn of(list: &[Registration]) -> Counts {
        let mut c = Counts::default();
        for r in list {
            match r.status.as_str() {
                store::REGISTERED => c.registered += 1,
                store::WAITING => c.waiting += 1,
                _ => c.cancelled += 1,
            }
            c.checked_in += usize::from(r.checked_in_at.is_some());
            c.checked_out += usize::from(r.checked_out_at.is_some());
            c.veg += usize::from(r.status == store::REGISTERED && r.meal == "veg");
        }
        c
    }
}

/// The meals line's quantity: the people with a place, or, once the day's check-in has begun,
/// the people checked in.
pub async fn meals(state: &AppState, year: i32) -> AppResult<i64> {
    let counts = Counts::of(&store::list(&state.db, year).await?);
    Ok(if counts.checked_in > 0 { counts.checked_in } else { counts.registered } as i64)
}
