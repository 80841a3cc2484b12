//! The registry's offers as Europass sees them: a published offer with its provider, mapped onto
//! `rdf::elm`'s plain input (europass.md, "One mapping"). The RDF projection, and the LOQ XML and
//! QDR publishing to come, all start here, so an offer means one thing in every serialisation.

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::catalogue::{self, OfferView};
use super::offers::Offer;
use crate::db::schema::organisations;
use crate::db::DbConnection;
use crate::error::Error;
use rdf::elm;

/// What the mapping needs of a provider organisation.
#[derive(Debug, Clone)]
pub struct Provider {
    pub name: String,
    pub city: Option<String>,
    pub country: Option<String>,
    pub website: Option<String>,
}

/// The providers of `offers`, by id.
pub fn providers(
    conn: &mut DbConnection,
    offers: &[OfferView],
) -> Result<BTreeMap<String, Provider>, Error> {
    let ids: Vec<&str> = offers.iter().map(|o| o.provider.id.as_str()).collect();
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = organisations::table
        .filter(organisations::id.eq_any(&ids))
        .select((
            organisations::id,
            organisations::name,
            organisations::city,
            organisations::country,
            organisations::website,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, city, country, website)| {
            (
                id,
                Provider {
                    name,
                    city,
                    country,
                    website,
                },
            )
        })
        .collect())
}

/// Published offers after `after` in id order, with their providers: how projections load.
pub fn published_batch(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<(Vec<OfferView>, BTreeMap<String, Provider>), Error> {
    let offers = catalogue::published_batch(conn, after, limit)?;
    let providers = providers(conn, &offers)?;
    Ok((offers, providers))
}

/// These offers, if (still) published, with their providers.
pub fn published(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<(Vec<OfferView>, BTreeMap<String, Provider>), Error> {
    let offers = catalogue::published_in_order(conn, ids)?;
    let providers = providers(conn, &offers)?;
    Ok((offers, providers))
}

fn texts(offer: &Offer, pick: impl Fn(&super::offers::OfferText) -> &str) -> Vec<elm::Text> {
    std::iter::once((offer.text_language.as_str(), &offer.text))
        .chain(offer.translations.iter().map(|(l, t)| (l.as_str(), t)))
        .map(|(language, t)| elm::Text {
            language: language.to_string(),
            text: pick(t).to_string(),
        })
        .filter(|t| !t.text.trim().is_empty())
        .collect()
}

/// `offer` (with its `provider`) as an ELM learning opportunity on the hub at `base`.
pub fn learning_opportunity(
    offer: &Offer,
    provider: &Provider,
    base: &str,
) -> elm::LearningOpportunity {
    let address = offer.address.as_ref();
    // The organisation's own country only: its triples must read the same in every offer's
    // graph (where it is unknown, the graph lacks its location, and the SHACL check says so).
    let country = provider.country.clone();
    let outcomes = {
        let mut by_index: Vec<Vec<elm::Text>> = Vec::new();
        let all = std::iter::once((offer.text_language.as_str(), &offer.text))
            .chain(offer.translations.iter().map(|(l, t)| (l.as_str(), t)));
        for (language, t) in all {
            for (i, outcome) in t.learning_outcomes.iter().enumerate() {
                if by_index.len() <= i {
                    by_index.push(Vec::new());
                }
                by_index[i].push(elm::Text {
                    language: language.to_string(),
                    text: outcome.clone(),
                });
            }
        }
        by_index
    };
    let achievement = match offer.qualification_refs.first() {
        Some(q) => elm::Achievement::Reference {
            scheme: q.scheme.clone(),
            identifier: q.identifier.clone(),
        },
        None => elm::Achievement::Specification {
            eqf_level: offer.eqf_level.map(|level| level.clamp(0, 255) as u8),
        },
    };
    elm::LearningOpportunity {
        id: offer.id.clone(),
        titles: texts(offer, |t| &t.title),
        descriptions: texts(offer, |t| &t.description),
        homepage: format!("{}/offers/{}", base.trim_end_matches('/'), offer.id),
        provider: elm::Organisation {
            id: offer.provider.id.clone(),
            legal_name: provider.name.clone(),
            homepage: provider.website.clone(),
            address: country.map(|country| elm::Address {
                street: None,
                postal_code: None,
                city: provider.city.clone(),
                country,
            }),
        },
        default_language: offer.default_language.clone(),
        languages: offer.languages.clone(),
        isced_f_code: offer.isced_f_code.clone(),
        learning_outcomes: outcomes,
        esco_skills: offer.esco_skills.clone(),
        achievement,
        start_date: offer.start_date,
        end_date: offer.end_date,
        hours: offer.hours.max(0) as u32,
        mode: match offer.mode.as_str() {
            "online" => elm::Mode::Online,
            "hybrid" => elm::Mode::Hybrid,
            "blended" => elm::Mode::Blended,
            _ => elm::Mode::Onsite,
        },
        application_deadline: offer.application_deadline,
        price: super::money::Money::parse_minor(&offer.price.amount, &offer.price.currency)
            .is_some_and(|minor| minor > 0)
            .then(|| elm::Price {
                amount: offer.price.amount.clone(),
                currency: offer.price.currency.clone(),
            }),
        location: address.and_then(|a| {
            a.country.clone().map(|country| elm::Address {
                street: a.street.clone(),
                postal_code: a.postal_code.clone(),
                city: a.city.clone(),
                country,
            })
        }),
        modified: offer.updated_at,
        status: offer.status.to_string(),
    }
}
