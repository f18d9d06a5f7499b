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

/// Progress facts for each community, by id.
pub async fn gather(db: &Db, list: &[Community]) -> Result<HashMap<i32, CommunityFacts>, StoreError> {
    let ids: Vec<i32> = list.iter().map(|c| c.id).collect();
    let members = communities::members_of(db, &ids).await?;
    let meetings = meetings::of_communities(db, &ids).await?;
    let docs = documents::of_communities(db, &ids).await?;
    let doc_ids: Vec<i32> = docs.iter().map(|d| d.id).collect();
    let versions = documents::versions(db, &doc_ids).await?;
    let evaluations = self_evaluations::of_communities(db, &ids).await?;

    // The first upload time of each live document.
    let mut first_upload: HashMap<i32, chrono::DateTime<chrono::Utc>> = HashMap::new();
    for v in &versions {
        first_upload.entry(v.document_id).and_modify(|t| *t = (*t).min(v.uploaded_at)).or_insert(v.uploaded_at);
    }
    let mut facts: HashMap<i32, CommunityFacts> = list
        .iter()
        .map(|c| {
            (
                c.id,
                CommunityFacts {
                    track: c.track.clone(),
                    members: 0,
                    meetings: Vec::new(),
                    report_at: None,
                    self_evaluation_at: None,
                },
            )
        })
        .collect();
    for m in &members {
        if let Some(f) = facts.get_mut(&m.community_id) {
            f.members += 1;
        }
    }
    let mut signin_at: HashMap<i32, chrono::DateTime<chrono::Utc>> = HashMap::new();
    for d in &docs {
        let Some(at) = first_upload.get(&d.id).copied() else { continue };
        match (d.category.as_str(), d.meeting_id) {
            (SIGNIN, Some(meeting)) => {
                signin_at.entry(meeting).and_modify(|t| *t = (*t).min(at)).or_insert(at);
            }
            (REPORT, _) => {
                if let Some(f) = facts.get_mut(&d.community_id) {
                    f.report_at = Some(f.report_at.map_or(at, |t| t.min(at)));
                }
            }
            _ => {}
        }
    }
    for m in &meetings {
        if let Some(f) = facts.get_mut(&m.community_id) {
            f.meetings.push(MeetingFact {
                label: meeting_label(m.date, &m.kind),
                date: m.date,
                kind: MeetingKind::parse(&m.kind).unwrap_or(MeetingKind::Other),
                recorded_at: m.created_at,
                signin_at: signin_at.get(&m.id).copied(),
            });
        }
    }
    for e in &evaluations {
        if let Some(f) = facts.get_mut(&e.community_id) {
            f.self_evaluation_at = e.first_submitted_at;
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
