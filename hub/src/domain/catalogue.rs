//! The offer as the catalogue shows it: the offer itself with what other concepts know of it —
//! places taken and left (applications), its named trainers, and its rating. A read model
//! composed above the modules it reads, so that `offers` never has to know who counts it.

use std::collections::BTreeMap;
use std::ops::Deref;

use diesel::prelude::*;
use serde::Serialize;

use super::offers::{self, Offer, Visibility};
use super::ratings::{self, Summary};
use super::trainers::{self, NamedTrainer};
use super::vocabulary::ApplicationStatus;
use crate::db::schema::applications;
use crate::db::DbConnection;
use crate::error::Error;

/// An offer with its derived facts (api.md, Offers: `participants_count`, `places_left`,
/// `trainers`, `rating`).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct OfferView {
    #[serde(flatten)]
    pub offer: Offer,
    /// Places taken (accepted, enrolled, completed, failed applications): derived, never typed.
    pub participants_count: i64,
    pub places_left: i64,
    pub trainers: Vec<NamedTrainer>,
    /// The service rating (1–5) over visible ratings.
    pub rating: Summary,
}

impl Deref for OfferView {
    type Target = Offer;
    fn deref(&self) -> &Offer {
        &self.offer
    }
}

impl OfferView {
    /// The texts in `lang` where the offer has them (see [`Offer::in_language`]).
    pub fn in_language(mut self, lang: Option<&str>) -> Self {
        self.offer = self.offer.in_language(lang);
        self
    }
}

/// Adds the derived facts to offers already read, with one query per concept for all of them.
pub fn views(conn: &mut DbConnection, offers: Vec<Offer>) -> Result<Vec<OfferView>, Error> {
    let ids: Vec<&str> = offers.iter().map(|o| o.id.as_str()).collect();
    let seated: BTreeMap<String, i64> = applications::table
        .filter(applications::offer_id.eq_any(&ids))
        .filter(applications::status.eq_any(ApplicationStatus::texts(&ApplicationStatus::SEATED)))
        .group_by(applications::offer_id)
        .select((applications::offer_id, diesel::dsl::count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let mut trainers = trainers::of_offers(conn, &ids)?;
    let ratings = ratings::by_offer(conn, &ids)?;
    Ok(offers
        .into_iter()
        .map(|offer| {
            let taken = seated.get(&offer.id).copied().unwrap_or(0);
            OfferView {
                participants_count: taken,
                places_left: (i64::from(offer.max_participants) - taken).max(0),
                trainers: trainers.remove(&offer.id).unwrap_or_default(),
                rating: ratings.get(&offer.id).copied().unwrap_or_default(),
                offer,
            }
        })
        .collect())
}

pub fn get(conn: &mut DbConnection, id: &str, visibility: Visibility) -> Result<OfferView, Error> {
    let offer = offers::get(conn, id, visibility)?;
    views(conn, vec![offer])?
        .pop()
        .ok_or_else(|| Error::NotFound(format!("offer {id}")))
}

/// Published offers in id order, after `after`: how the catalogue's search index is built.
pub fn published_batch(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<OfferView>, Error> {
    let batch = offers::published_batch(conn, after, limit)?;
    views(conn, batch)
}

/// These offers in this order, leaving out any that is not (or no longer) published.
pub fn published_in_order(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<OfferView>, Error> {
    let found = offers::published_in_order(conn, ids)?;
    views(conn, found)
}
