//! Published results as frozen in a publication (JSON in `publications.result`): what the
//! convener's results page, certificates, the roster and the public showcase read.

use serde::{Deserialize, Serialize};

use linxuan_store::review::Publication;

/// One community in published results, frozen with the publication.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublishedCommunity {
    pub code: String,
    pub name: String,
    pub school: String,
    pub convener: String,
    pub rank: u32,
    pub round: u32,
    pub total: String,
    /// (criterion name, mean)
    pub criteria: Vec<(String, String)>,
    /// Award level id and name, when awarded.
    pub award: Option<(String, String)>,
    pub revoked: bool,
    /// The round whose cut it did not pass (it takes no place), if so.
    #[serde(default)]
    pub not_passed: Option<u32>,
    /// Reviewers' comments, anonymous: (reviewer number in this community, comment).
    pub comments: Vec<(usize, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublishedGroup {
    pub group: String,
    pub name: String,
    pub communities: Vec<PublishedCommunity>,
    /// (level name, places left vacant)
    pub vacant: Vec<(String, u32)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Published {
    pub year: i32,
    pub groups: Vec<PublishedGroup>,
}

impl Published {
    pub fn community(&self, code: &str) -> Option<(&PublishedGroup, &PublishedCommunity)> {
        self.groups.iter().find_map(|g| g.communities.iter().find(|c| c.code == code).map(|c| (g, c)))
    }
}

/// A publication's results, read back.
pub fn read(publication: &Publication) -> Result<Published, String> {
    serde_json::from_str(&publication.result).map_err(|e| format!("publication {}: {e}", publication.version))
}

/// The latest publication of a year and its results.
pub async fn latest(
    db: &impl linxuan_store::ConnectionTrait,
    year: i32,
) -> Result<Option<(Publication, Published)>, linxuan_store::StoreError> {
    let Some(p) = linxuan_store::review::latest_publication(db, year).await? else { return Ok(None) };
    let published = read(&p).map_err(|e| linxuan_store::StoreError::Db(linxuan_store::DbErr::Custom(e)))?;
    Ok(Some((p, published)))
}

/// The latest publication of a year with the awards revoked since it was made: what the year's
/// outcomes (certificates, roster, showcase, lecturers, the programme) go by.
pub struct Current {
    pub publication: Publication,
    pub published: Published,
    /// Codes of the communities whose award was revoked (after the publication or before).
    revoked: Vec<String>,
}

impl Current {
    /// Whether the award was revoked after the publication was made.
    pub fn revoked_since(&self, c: &PublishedCommunity) -> bool {
        !c.revoked && self.revoked.contains(&c.code)
    }

    /// Whether the community holds an award now: awarded in the publication, not revoked
    /// before it nor since.
    pub fn holds_award(&self, c: &PublishedCommunity) -> bool {
        c.award.is_some() && !c.revoked && !self.revoked.contains(&c.code)
    }
}

/// [`latest`] with the revocations made since; `None` before any publication.
pub async fn current(
    db: &impl linxuan_store::ConnectionTrait,
    year: i32,
) -> Result<Option<Current>, linxuan_store::StoreError> {
    let Some((publication, published)) = latest(db, year).await? else { return Ok(None) };
    let revoked_ids: Vec<i32> =
        linxuan_store::review::revocations(db, year).await?.iter().map(|r| r.community_id).collect();
    let revoked = linxuan_store::communities::list(db, year)
        .await?
        .into_iter()
        .filter(|c| revoked_ids.contains(&c.id))
        .map(|c| c.code)
        .collect();
    Ok(Some(Current { publication, published, revoked }))
}
