//! What the year ends in (SPEC §3, §7, §10): certificates (獎狀) with their numbers (字號),
//! dates written as officials write them, and the commendation roster (敘獎名冊). Pure rules:
//! the settings come from the plan (`Plan::outcomes`), the records from the caller.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::roc::{self, RocDate};

/// How the date on a certificate is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateStyle {
    /// `中華民國112年7月7日`
    #[default]
    Digits,
    /// `中華民國一一二年七月七日`
    Chinese,
}

/// The plan's settings for certificates and commendations: wording and issuer are the
/// bureau's, never the code's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Outcomes {
    /// 發證機關 (empty: the plan's authority, 主辦單位).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub issuer: String,
    /// The head's title as printed (局長).
    pub head_title: String,
    /// The head's name as printed; certificates are not made while it is empty.
    pub head_name: String,
    /// The date certificates carry (empty: the presentation day).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_date: Option<RocDate>,
    pub date_style: DateStyle,
    /// 字號: prefix, then the ROC year of the certificate date and a sequence number of
    /// `number_digits` digits, then the suffix: `桃教專字第1120001號`.
    pub number_prefix: String,
    pub number_digits: i64,
    pub number_suffix: String,
    /// A community's certificate: `{school}`, `{community}`, `{year}`, `{group}`, `{award}`.
    pub certificate_text: String,
    /// A member of the organising staff's certificate: `{school}`, `{title}`, `{name}`, `{year}`.
    pub staff_certificate_text: String,
    /// What the trophy maker engraves: `{school}`, `{community}`, `{year}`, `{group}`,
    /// `{award}`, `{issuer}`, `{date}`.
    pub trophy_text: String,
    /// 獎度 of a commendation (嘉獎1次).
    pub commendation: String,
    /// 依據 on the roster.
    pub commendation_basis: String,
    /// 事由 for a member of an awarded community: `{year}`, `{community}`, `{role}`, `{group}`,
    /// `{award}`.
    pub member_reason: String,
    /// 事由 for the organising staff: `{year}`, `{title}`.
    pub staff_reason: String,
}

impl Default for Outcomes {
    fn default() -> Self {
        Outcomes {
            issuer: String::new(),
            head_title: "局長".into(),
            head_name: String::new(),
            certificate_date: None,
            date_style: DateStyle::Digits,
            number_prefix: "桃教專字第".into(),
            number_digits: 4,
            number_suffix: "號".into(),
            certificate_text: "{school}「{community}」參加{year}學年度教師專業學習社群績優社群遴選，榮獲{group}{award}，特頒此狀，以資鼓勵。".into(),
            staff_certificate_text: "{school}{title}{name}承辦{year}學年度教師專業學習社群績優社群遴選暨成果發表會，規劃周詳，辛勞備至，特頒此狀，以資獎勵。".into(),
            trophy_text: "{school}「{community}」榮獲{year}學年度教師專業學習社群績優社群遴選{group}{award}　{issuer}　{date}".into(),
            commendation: "嘉獎1次".into(),
            commendation_basis: "依桃園市政府教育局{year}學年度教師專業學習社群績優社群遴選暨成果發表會實施計畫辦理".into(),
            member_reason: "擔任{year}學年度教師專業學習社群「{community}」{role}，榮獲{group}{award}".into(),
            staff_reason: "承辦{year}學年度教師專業學習社群績優社群遴選暨成果發表會，規劃周詳，辛勞備至".into(),
        }
    }
}

/// The placeholders each text may use.
pub const CERTIFICATE_FIELDS: &[&str] = &["school", "community", "year", "group", "award"];
pub const STAFF_CERTIFICATE_FIELDS: &[&str] = &["school", "title", "name", "year"];
pub const MEMBER_REASON_FIELDS: &[&str] = &["year", "community", "role", "group", "award"];
pub const STAFF_REASON_FIELDS: &[&str] = &["year", "title"];
pub const BASIS_FIELDS: &[&str] = &["year"];
pub const TROPHY_FIELDS: &[&str] = &["school", "community", "year", "group", "award", "issuer", "date"];

/// A `{name}` a text uses that is not one of its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField(pub String);

/// The `{name}`s a template uses, in order; `{{` and `}}` are literal braces.
fn placeholders(template: &str) -> Result<Vec<String>, UnknownField> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if rest[open..].starts_with("{{") {
            rest = &rest[open + 2..];
            continue;
        }
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| UnknownField(after.chars().take(12).collect()))?;
        out.push(after[..close].to_string());
        rest = &after[close + 1..];
    }
    Ok(out)
}

/// The fields a template names that `allowed` does not have.
pub fn unknown_fields(template: &str, allowed: &[&str]) -> Vec<String> {
    match placeholders(template) {
        Ok(names) => names.into_iter().filter(|n| !allowed.contains(&n.as_str())).collect(),
        Err(UnknownField(tail)) => vec![format!("{{{tail}")],
    }
}

/// Fills `{name}` with its value (a name without a value is left as written: `validate`
/// refuses such a plan before any document is made).
pub fn fill(template: &str, values: &BTreeMap<&str, &str>) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let Some(after) = tail.strip_prefix('}') {
            out.push('}');
            rest = after;
            continue;
        }
        match tail[1..].find('}') {
            Some(close) => {
                let name = &tail[1..1 + close];
                match values.get(name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&tail[..close + 2]),
                }
                rest = &tail[close + 2..];
            }
            None => {
                out.push_str(tail);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

const DIGITS_ZH: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// A number from 1 to 99 in Chinese numerals as a date writes it: 七, 十, 十二, 二十, 三十一.
fn tens_zh(n: u32) -> String {
    let (tens, ones) = (n / 10, n % 10);
    let mut out = String::new();
    match tens {
        0 => {}
        1 => out.push('十'),
        t => {
            out.push(DIGITS_ZH[t as usize]);
            out.push('十');
        }
    }
    if ones != 0 || tens == 0 {
        out.push(DIGITS_ZH[ones as usize]);
    }
    out
}

/// The date as an official paper writes it: `中華民國112年7月7日` or `中華民國一一二年七月七日`
/// (the year digit by digit, month and day as numbers are said).
pub fn official_date(date: NaiveDate, style: DateStyle) -> String {
    let year = roc::roc_year(date);
    match style {
        DateStyle::Digits => format!("中華民國{}年{}月{}日", year, date.month(), date.day()),
        DateStyle::Chinese => {
            let y: String = year.to_string().chars().map(|c| DIGITS_ZH[c.to_digit(10).unwrap_or(0) as usize]).collect();
            format!("中華民國{}年{}月{}日", y, tens_zh(date.month()), tens_zh(date.day()))
        }
    }
}

/// A certificate number (字號): `桃教專字第1120001號` for the 1st certificate dated in ROC
/// year 112.
pub fn certificate_number(settings: &Outcomes, date: NaiveDate, seq: i64) -> String {
    let width = settings.number_digits.clamp(1, 9) as usize;
    format!("{}{}{:0width$}{}", settings.number_prefix, roc::roc_year(date), seq, settings.number_suffix)
}

/// Who a certificate is for: a community (by its code) or one of the organising staff (by the
/// office's record id).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Recipient {
    Community(String),
    Staff(i32),
}

impl Recipient {
    /// `community:C-01` / `staff:3`, as stored.
    pub fn key(&self) -> String {
        match self {
            Recipient::Community(code) => format!("community:{code}"),
            Recipient::Staff(id) => format!("staff:{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<Recipient> {
        let (kind, rest) = key.split_once(':')?;
        match kind {
            "community" => Some(Recipient::Community(rest.to_string())),
            "staff" => rest.parse().ok().map(Recipient::Staff),
            _ => None,
        }
    }
}

/// A certificate already numbered and not voided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbered {
    pub seq: i64,
    pub recipient: Recipient,
    /// What it says about its recipient (body text and award): a change is a correction.
    pub content: String,
}

/// A certificate the publication calls for now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub recipient: Recipient,
    pub content: String,
}

/// Why a number stops standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VoidReason {
    /// Its recipient's text changed: a corrected certificate with a new number replaces it.
    Corrected,
    /// Its recipient no longer has the award (revoked, or no longer in the results).
    Withdrawn,
}

/// What making the certificates does to the register.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Numbering {
    /// (seq, recipient): numbers that stand as they are.
    pub kept: Vec<(i64, Recipient)>,
    /// New numbers, with the number each one replaces (a correction).
    pub issued: Vec<(i64, Recipient, Option<i64>)>,
    /// Numbers voided, and why.
    pub voided: Vec<(i64, VoidReason)>,
}

/// Reconciles the register with what the publication calls for. A certificate whose text is
/// unchanged keeps its number (making twice gives the same numbers); a changed one is voided
/// and a new number issued, recording which it replaces; one no longer called for is voided.
/// New numbers follow the largest ever used (`last_seq`, voided ones included): a number is
/// never reused.
pub fn reconcile(standing: &[Numbered], wanted: &[Wanted], last_seq: i64) -> Numbering {
    let mut out = Numbering::default();
    let mut next = last_seq;
    for w in wanted {
        match standing.iter().find(|n| n.recipient == w.recipient) {
            Some(n) if n.content == w.content => out.kept.push((n.seq, n.recipient.clone())),
            Some(n) => {
                next += 1;
                out.voided.push((n.seq, VoidReason::Corrected));
                out.issued.push((next, w.recipient.clone(), Some(n.seq)));
            }
            None => {
                next += 1;
                out.issued.push((next, w.recipient.clone(), None));
            }
        }
    }
    for n in standing {
        if !wanted.iter().any(|w| w.recipient == n.recipient) {
            out.voided.push((n.seq, VoidReason::Withdrawn));
        }
    }
    out
}

/// One line of the commendation roster (敘獎名冊), in the personnel office's column order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterLine {
    pub no: usize,
    pub school: String,
    pub title: String,
    pub name: String,
    /// The full national ID: only in the office's export.
    pub national_id: String,
    pub degree: String,
    pub reason: String,
    pub basis: String,
}

/// The roster's header row.
pub const ROSTER_HEADERS: [&str; 8] = ["編號", "學校", "職稱", "姓名", "身分證字號", "獎度", "事由", "依據"];

impl RosterLine {
    pub fn cells(&self) -> [String; 8] {
        [
            self.no.to_string(),
            self.school.clone(),
            self.title.clone(),
            self.name.clone(),
            self.national_id.clone(),
            self.degree.clone(),
            self.reason.clone(),
            self.basis.clone(),
        ]
    }
}

/// 事由 for a member of an awarded community.
pub fn member_reason(settings: &Outcomes, year: i32, community: &str, role: &str, group: &str, award: &str) -> String {
    let year = year.to_string();
    fill(
        &settings.member_reason,
        &BTreeMap::from([
            ("year", year.as_str()),
            ("community", community),
            ("role", role),
            ("group", group),
            ("award", award),
        ]),
    )
}

/// 事由 for one of the organising staff.
pub fn staff_reason(settings: &Outcomes, year: i32, title: &str) -> String {
    let year = year.to_string();
    fill(&settings.staff_reason, &BTreeMap::from([("year", year.as_str()), ("title", title)]))
}

/// 依據 on the roster.
pub fn basis(settings: &Outcomes, year: i32) -> String {
    let year = year.to_string();
    fill(&settings.commendation_basis, &BTreeMap::from([("year", year.as_str())]))
}

/// A community certificate's body.
pub fn community_text(
    settings: &Outcomes,
    year: i32,
    school: &str,
    community: &str,
    group: &str,
    award: &str,
) -> String {
    let year = year.to_string();
    fill(
        &settings.certificate_text,
        &BTreeMap::from([
            ("school", school),
            ("community", community),
            ("year", year.as_str()),
            ("group", group),
            ("award", award),
        ]),
    )
}

/// A trophy's inscription.
pub fn trophy_text(settings: &Outcomes, year: i32, fields: [&str; 6]) -> String {
    let [school, community, group, award, issuer, date] = fields;
    let year = year.to_string();
    fill(
        &settings.trophy_text,
        &BTreeMap::from([
            ("school", school),
            ("community", community),
            ("year", year.as_str()),
            ("group", group),
            ("award", award),
            ("issuer", issuer),
            ("date", date),
        ]),
    )
}

/// An organising staff member's certificate body.
pub fn staff_text(settings: &Outcomes, year: i32, school: &str, title: &str, name: &str) -> String {
    let year = year.to_string();
    fill(
        &settings.staff_certificate_text,
        &BTreeMap::from([("school", school), ("title", title), ("name", name), ("year", year.as_str())]),
    )
}

/// The settings' problems, each with its path and reason in both languages (`validate` adds
/// them to the plan's).
pub fn problems(settings: &Outcomes) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (path, text, allowed) in [
        ("outcomes.certificate_text", &settings.certificate_text, CERTIFICATE_FIELDS),
        ("outcomes.staff_certificate_text", &settings.staff_certificate_text, STAFF_CERTIFICATE_FIELDS),
        ("outcomes.member_reason", &settings.member_reason, MEMBER_REASON_FIELDS),
        ("outcomes.staff_reason", &settings.staff_reason, STAFF_REASON_FIELDS),
        ("outcomes.commendation_basis", &settings.commendation_basis, BASIS_FIELDS),
        ("outcomes.trophy_text", &settings.trophy_text, TROPHY_FIELDS),
    ] {
        let unknown = unknown_fields(text, allowed);
        if !unknown.is_empty() {
            let fields = allowed.iter().map(|f| format!("{{{f}}}")).collect::<Vec<_>>().join(" ");
            out.push((
                path.to_string(),
                format!("不認得的欄位 {}；可用的有 {fields}", unknown.join("、")),
                format!("unknown field {}; the fields are {fields}", unknown.join(", ")),
            ));
        }
    }
    if !(1..=9).contains(&settings.number_digits) {
        out.push((
            "outcomes.number_digits".into(),
            format!("字號流水號位數須在 1 到 9 之間，不是 {}", settings.number_digits),
            format!("the number's sequence digits must be 1 to 9, not {}", settings.number_digits),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn official_dates_in_both_styles() {
        assert_eq!(official_date(d(2023, 7, 7), DateStyle::Digits), "中華民國112年7月7日");
        assert_eq!(official_date(d(2023, 7, 7), DateStyle::Chinese), "中華民國一一二年七月七日");
        assert_eq!(official_date(d(2021, 10, 10), DateStyle::Chinese), "中華民國一一〇年十月十日");
        assert_eq!(official_date(d(2023, 12, 31), DateStyle::Chinese), "中華民國一一二年十二月三十一日");
        assert_eq!(official_date(d(2023, 11, 20), DateStyle::Chinese), "中華民國一一二年十一月二十日");
        assert_eq!(official_date(d(2023, 1, 19), DateStyle::Chinese), "中華民國一一二年一月十九日");
        assert_eq!(official_date(d(2010, 2, 1), DateStyle::Chinese), "中華民國九九年二月一日");
        assert_eq!(official_date(d(2023, 6, 12), DateStyle::Digits), "中華民國112年6月12日");
    }

    #[test]
    fn numbers_carry_the_roc_year_and_padded_sequence() {
        let s = Outcomes::default();
        assert_eq!(certificate_number(&s, d(2023, 7, 7), 1), "桃教專字第1120001號");
        assert_eq!(certificate_number(&s, d(2023, 7, 7), 250), "桃教專字第1120250號");
        let wide = Outcomes { number_digits: 3, number_prefix: "府教字第".into(), ..Outcomes::default() };
        assert_eq!(certificate_number(&wide, d(2024, 1, 1), 12), "府教字第113012號");
        // A sequence wider than its digits is written whole, never cut.
        assert_eq!(certificate_number(&wide, d(2024, 1, 1), 1234), "府教字第1131234號");
    }

    fn wanted(code: &str, content: &str) -> Wanted {
        Wanted { recipient: Recipient::Community(code.into()), content: content.into() }
    }

    fn numbered(seq: i64, code: &str, content: &str) -> Numbered {
        Numbered { seq, recipient: Recipient::Community(code.into()), content: content.into() }
    }

    #[test]
    fn making_twice_keeps_every_number() {
        let want = vec![wanted("A", "a"), wanted("B", "b")];
        let first = reconcile(&[], &want, 0);
        assert_eq!(
            first.issued,
            vec![(1, Recipient::Community("A".into()), None), (2, Recipient::Community("B".into()), None)]
        );
        let standing = vec![numbered(1, "A", "a"), numbered(2, "B", "b")];
        let second = reconcile(&standing, &want, 2);
        assert!(second.issued.is_empty() && second.voided.is_empty());
        assert_eq!(second.kept.len(), 2);
    }

    #[test]
    fn a_correction_voids_and_reissues_and_a_withdrawal_voids_without_reuse() {
        let standing = vec![numbered(1, "A", "a"), numbered(2, "B", "b"), numbered(3, "C", "c")];
        // A corrected, B's award revoked, C unchanged, D new; 4 was voided earlier.
        let want = vec![wanted("A", "a, corrected"), wanted("C", "c"), wanted("D", "d")];
        let n = reconcile(&standing, &want, 4);
        assert_eq!(n.kept, vec![(3, Recipient::Community("C".into()))]);
        assert_eq!(
            n.issued,
            vec![(5, Recipient::Community("A".into()), Some(1)), (6, Recipient::Community("D".into()), None)]
        );
        assert_eq!(n.voided, vec![(1, VoidReason::Corrected), (2, VoidReason::Withdrawn)]);
    }

    #[test]
    fn texts_fill_their_fields() {
        let s = Outcomes::default();
        assert_eq!(
            member_reason(&s, 111, "數學好好玩", "成員", "國小組", "特優"),
            "擔任111學年度教師專業學習社群「數學好好玩」成員，榮獲國小組特優"
        );
        assert_eq!(
            community_text(&s, 111, "桃園市立西門國民小學", "數學好好玩", "國小組", "特優"),
            "桃園市立西門國民小學「數學好好玩」參加111學年度教師專業學習社群績優社群遴選，榮獲國小組特優，特頒此狀，以資鼓勵。"
        );
        assert!(
            staff_text(&s, 111, "西門國小", "教務主任", "王小明").starts_with("西門國小教務主任王小明承辦111學年度")
        );
        assert_eq!(basis(&s, 111), "依桃園市政府教育局111學年度教師專業學習社群績優社群遴選暨成果發表會實施計畫辦理");
        assert_eq!(fill("{{literal}} {x}", &BTreeMap::from([("x", "1")])), "{literal} 1");
    }

    #[test]
    fn unknown_fields_are_named() {
        assert_eq!(unknown_fields("{school}{schol}", CERTIFICATE_FIELDS), vec!["schol".to_string()]);
        assert!(unknown_fields("{{not a field}}", CERTIFICATE_FIELDS).is_empty());
        assert_eq!(unknown_fields("{school", CERTIFICATE_FIELDS), vec!["{school".to_string()]);
        let bad = Outcomes { member_reason: "{nam}".into(), number_digits: 0, ..Outcomes::default() };
        let p = problems(&bad);
        assert_eq!(
            p.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
            ["outcomes.member_reason", "outcomes.number_digits"]
        );
        assert!(problems(&Outcomes::default()).is_empty());
    }

    #[test]
    fn recipients_round_trip_their_keys() {
        for r in [Recipient::Community("B-國小-01".into()), Recipient::Staff(7)] {
            assert_eq!(Recipient::parse(&r.key()), Some(r));
        }
        assert_eq!(Recipient::parse("staff:x"), None);
    }
}
