//! Gathers what progress is computed from, for one community or a whole year at once (a few
//! queries, not a few per community), and labels meetings as people know them.

use std::collections::HashMap;

use linxuan_core::progress::{CommunityFacts, MeetingFact, MeetingKind};
use linxuan_core::roc;
use linxuan_store::communities::Community;
use linxuan_store::{Db, DbErr, StoreError, communities, documents, meetings, self_evaluations};

pub const REPORT: &str = "report";
pub const SIGNIN: &str = "signin";

/// `112/03/08 共同備課`
pub fn meeting_label(date: chrono::NaiveDate, kind: &str) -> String {
    let kind = MeetingKind::parse(kind).map_or(kind, |k| k.name_zh());
    format!("{} {kind}", roc::format_slash(date))
}

/// Progress facts for each community, by id: four narrow queries, whatever the number of
/// communities — member counts, meetings (without their minutes, with their sign-in sheet's
/// first upload), each report's first upload, and self-evaluation submissions.
pub async fn gather(db: &Db, list: &[Community]) -> Result<HashMap<i32, CommunityFacts>, StoreError> {
    let ids: Vec<i32> = list.iter().map(|c| c.id).collect();
    let counts = communities::member_counts(db, &ids).await?;
    let meetings = meetings::facts_of(db, &ids).await?;
    let reports = documents::first_reports(db, &ids).await?;
    let evaluations = self_evaluations::first_submissions(db, &ids).await?;

    let mut facts: HashMap<i32, CommunityFacts> = list
        .iter()
        .map(|c| {
            (
                c.id,
                CommunityFacts {
                    track: c.track.clone(),
                    members: counts.get(&c.id).copied().unwrap_or(0),
                    meetings: Vec::new(),
                    report_at: None,
                    self_evaluation_at: None,
                },
            )
        })
        .collect();
    for (community, at) in reports {
        if let Some(f) = facts.get_mut(&community) {
            f.report_at = Some(at);
        }
    }
    for m in &meetings {
        if let Some(f) = facts.get_mut(&m.community_id) {
            f.meetings.push(MeetingFact {
                date: m.date,
                kind: MeetingKind::parse(&m.kind).unwrap_or(MeetingKind::Other),
                recorded_at: m.created_at,
                signin_at: m.signin_at,
            });
        }
    }
    for (community, first) in &evaluations {
        if let Some(f) = facts.get_mut(community) {
            f.self_evaluation_at = *first;
        }
    }
    Ok(facts)
}

/// Facts for one community.
pub async fn of(db: &Db, community: &Community) -> Result<CommunityFacts, StoreError> {
    let mut all = gather(db, std::slice::from_ref(community)).await?;
    all.remove(&community.id)
        .ok_or_else(|| StoreError::Db(DbErr::RecordNotFound(format!("community {}", community.id))))
}
