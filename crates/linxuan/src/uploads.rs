//! Which document and version an upload makes, decided in one place and recorded in one
//! transaction.
//!
//! The results report is one document per community and a sign-in sheet one per meeting:
//! uploading again adds a version. Evidence makes a new document unless the upload names the
//! document it replaces. Versions are numbered inside the transaction with the community
//! locked, so twenty uploads at once of the same document all land, numbered 1 to 20, and
//! twenty of a first report make one document, not twenty.

use chrono::{DateTime, Utc};
use linxuan_store::communities;
use linxuan_store::documents::{self, Document, FileVersion, NewVersion};
use linxuan_store::{DatabaseTransaction, StoreError};

use crate::facts::{REPORT, SIGNIN};

/// What an upload is for.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub community_id: i32,
    pub category: &'a str,
    /// For a sign-in sheet: its meeting.
    pub meeting_id: Option<i32>,
    /// A new version of this document (one of the community's, live, of this category).
    pub document_id: Option<i32>,
    /// The title of a new document.
    pub title: &'a str,
}

/// Where an upload went.
#[derive(Debug, Clone)]
pub enum Recorded {
    /// A new version (1 for a new document).
    Added { document_id: i32, version: i32 },
    /// The same upload key was recorded already (a retry): nothing new.
    AlreadyThere(FileVersion),
    /// The named document is not one the upload may replace.
    NoSuchDocument,
}

/// Whether uploading into `category` adds to the community's one document of that kind (the
/// report; a meeting's sign-in sheet) rather than making a new one.
pub fn single_document(category: &str) -> bool {
    category == REPORT || category == SIGNIN
}

/// The live document an upload without a document id goes into, if any.
fn the_single(live: &[Document], target: &Target<'_>) -> Option<Document> {
    match target.category {
        REPORT => live.iter().find(|d| d.category == REPORT).cloned(),
        SIGNIN => live.iter().find(|d| d.category == SIGNIN && d.meeting_id == target.meeting_id).cloned(),
        _ => None,
    }
}

/// Records a stored file for `target` inside `txn` (the caller commits).
pub async fn record(
    txn: &DatabaseTransaction,
    target: &Target<'_>,
    version: &NewVersion<'_>,
    now: DateTime<Utc>,
) -> Result<Recorded, StoreError> {
    communities::lock(txn, target.community_id).await?.ok_or(StoreError::NotFound)?;
    if let Some(done) = documents::by_upload_key(txn, version.upload_key).await? {
        return Ok(Recorded::AlreadyThere(done));
    }
    let existing = match target.document_id {
        Some(id) => match documents::get(txn, id).await? {
            Some(d)
                if d.community_id == target.community_id && d.deleted_at.is_none() && d.category == target.category =>
            {
                Some(d)
            }
            _ => return Ok(Recorded::NoSuchDocument),
        },
        None if single_document(target.category) => {
            the_single(&documents::list(txn, target.community_id, false).await?, target)
        }
        None => None,
    };
    Ok(match existing {
        Some(doc) => {
            let number = documents::next_version(txn, doc.id).await?;
            documents::add_version(txn, doc.id, number, version, now).await?;
            Recorded::Added { document_id: doc.id, version: number }
        }
        None => {
            let (doc, _) = documents::create(
                txn,
                target.community_id,
                target.category,
                target.meeting_id,
                target.title,
                version,
                now,
            )
            .await?;
            Recorded::Added { document_id: doc.id, version: 1 }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_and_sign_in_sheets_are_single_documents() {
        assert!(single_document(REPORT));
        assert!(single_document(SIGNIN));
        assert!(!single_document("lesson_plan"));
    }
}
