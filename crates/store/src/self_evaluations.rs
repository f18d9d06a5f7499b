//! Self-evaluations (成效評估檢核表): saved as drafts at any time, submitted explicitly.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::Result;
use crate::entity::self_evaluation::{self, Entity as SelfEvaluations};

pub use self_evaluation::Model as SelfEvaluation;

pub async fn get(db: &impl ConnectionTrait, community_id: i32) -> Result<Option<SelfEvaluation>> {
    Ok(SelfEvaluations::find_by_id(community_id).one(db).await?)
}

pub async fn of_communities(db: &impl ConnectionTrait, community_ids: &[i32]) -> Result<Vec<SelfEvaluation>> {
    if community_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(SelfEvaluations::find()
        .filter(self_evaluation::Column::CommunityId.is_in(community_ids.iter().copied()))
        .all(db)
        .await?)
}

/// When each community first submitted its self-evaluation (`None`: a draft only).
pub async fn first_submissions(
    db: &impl ConnectionTrait,
    community_ids: &[i32],
) -> Result<Vec<(i32, Option<chrono::DateTime<chrono::Utc>>)>> {
    use sea_orm::QuerySelect;
    if community_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(SelfEvaluations::find()
        .select_only()
        .column(self_evaluation::Column::CommunityId)
        .column(self_evaluation::Column::FirstSubmittedAt)
        .filter(self_evaluation::Column::CommunityId.is_in(community_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?)
}

/// Saves the answers; `submit` also records a submission (the first one is kept too).
pub async fn save(
    db: &impl ConnectionTrait,
    community_id: i32,
    answers: &str,
    submit: bool,
    late: bool,
    by: &str,
    now: DateTime<Utc>,
) -> Result<SelfEvaluation> {
    match get(db, community_id).await? {
        Some(existing) => {
            let first = existing.first_submitted_at;
            let was_late = existing.late;
            let submitted = existing.submitted_at;
            let mut active: self_evaluation::ActiveModel = existing.into();
            active.answers = Set(answers.to_string());
            if submit {
                active.first_submitted_at = Set(first.or(Some(now)));
                active.submitted_at = Set(Some(now));
                active.late = Set(was_late || late);
            } else {
                active.submitted_at = Set(submitted);
            }
            active.updated_at = Set(now);
            active.updated_by = Set(by.to_string());
            Ok(active.update(db).await?)
        }
        None => Ok(self_evaluation::ActiveModel {
            community_id: Set(community_id),
            answers: Set(answers.to_string()),
            first_submitted_at: Set(submit.then_some(now)),
            submitted_at: Set(submit.then_some(now)),
            late: Set(submit && late),
            updated_at: Set(now),
            updated_by: Set(by.to_string()),
        }
        .insert(db)
        .await?),
    }
}
