//! Writing offers: what a provider submits ([`NewOffer`], checked field by field), creating a
//! draft, and writing a state into the rows (an edit, or an approved revision).

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rows::{OfferRow, TranslationRow};
use super::{Address, OfferText, QualificationRef, ScheduleSlot, MODES};
use crate::db::schema::{offer_translations, offers};
use crate::db::{write_transaction, DbConnection};
use crate::domain::events::{self, EventKind, NewEvent};
use crate::domain::vocabulary::{OfferStatus, SubjectType};
use crate::domain::Actor;
use crate::error::{Error, FieldError};
use crate::i18n::LANGUAGES;

/// What a provider submits to create an offer (validated by [`NewOffer::validate`]); also the
/// stored form of a pending revision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewOffer {
    pub provider_id: String,
    pub default_language: String,
    pub texts: BTreeMap<String, OfferText>,
    pub industry: String,
    pub isced_f_code: Option<String>,
    pub esco_skills: Vec<String>,
    pub languages: Vec<String>,
    pub mode: String,
    pub vr_ar: bool,
    pub address: Option<Address>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub application_deadline: Option<NaiveDate>,
    pub schedule: Vec<ScheduleSlot>,
    pub hours: i32,
    pub price_minor: i64,
    pub price_currency: String,
    pub subsidised: bool,
    pub eqf_level: Option<i32>,
    pub ects: Option<f64>,
    pub min_participants: i32,
    pub max_participants: i32,
    pub microcredential: bool,
    pub qualification_refs: Vec<QualificationRef>,
}

impl NewOffer {
    /// Every rule of an offer's fields, each failure naming its field as the API spells it.
    pub fn validate(&self) -> Result<(), Error> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, code: &str, message: &str| {
            errors.push(FieldError::new(field, code, message));
        };
        if !LANGUAGES.contains(&self.default_language.as_str()) {
            bad(
                "default_language",
                "invalid",
                "must be one of en, pl, it, el",
            );
        }
        for lang in self.texts.keys() {
            if !LANGUAGES.contains(&lang.as_str()) {
                bad(
                    &format!("translations.{lang}"),
                    "invalid",
                    "language must be en, pl, it or el",
                );
            }
        }
        match self.texts.get(&self.default_language) {
            Some(t) if !t.title.trim().is_empty() => {
                if t.description.trim().is_empty() {
                    bad("description", "required", "an offer needs a description");
                }
            }
            _ => bad(
                "title",
                "required",
                "an offer needs a title in its default language",
            ),
        }
        if self.industry.trim().is_empty() {
            bad("industry", "required", "choose an industry");
        }
        if let Some(code) = &self.isced_f_code {
            if !rdf::vocab::is_isced_f_code(code) {
                bad(
                    "isced_f_code",
                    "invalid",
                    "an ISCED-F code has 2 to 4 digits",
                );
            }
        }
        for (i, uri) in self.esco_skills.iter().enumerate() {
            if !rdf::vocab::is_esco_skill_uri(uri) {
                bad(
                    &format!("esco_skills[{i}]"),
                    "invalid",
                    "not an ESCO skill URI",
                );
            }
        }
        if self.languages.is_empty() {
            bad(
                "languages",
                "required",
                "name at least one language of instruction",
            );
        }
        if !MODES.contains(&self.mode.as_str()) {
            bad(
                "mode",
                "invalid",
                "must be onsite, online, hybrid or blended",
            );
        }
        if matches!(self.mode.as_str(), "onsite" | "hybrid")
            && self
                .address
                .as_ref()
                .and_then(|a| a.city.as_ref())
                .is_none()
        {
            bad(
                "address.city",
                "required",
                "onsite and hybrid offers need a city",
            );
        }
        if self.end_date < self.start_date {
            bad("end_date", "before_start", "must not be before start_date");
        }
        if self
            .application_deadline
            .is_some_and(|d| d > self.start_date)
        {
            bad(
                "application_deadline",
                "after_start",
                "must not be after start_date",
            );
        }
        if self.hours <= 0 {
            bad("hours", "invalid", "must be greater than 0");
        }
        // Europass takes the currencies of the EU's authority table, a subset of ISO 4217.
        if crate::domain::money::minor_digits(&self.price_currency).is_none()
            || !rdf::vocab::is_currency_code(&self.price_currency)
        {
            bad("price.currency", "invalid", "not an ISO 4217 currency code");
        }
        if self.price_minor < 0 {
            bad("price.amount", "invalid", "must not be negative");
        }
        if self.eqf_level.is_some_and(|l| !(1..=8).contains(&l)) {
            bad("eqf_level", "invalid", "EQF levels run from 1 to 8");
        }
        if self.ects.is_some_and(|e| e.is_nan() || e < 0.0) {
            bad("ects", "invalid", "must not be negative");
        }
        if self.min_participants < 1 {
            bad("min_participants", "invalid", "must be at least 1");
        }
        if self.max_participants < self.min_participants {
            bad(
                "max_participants",
                "below_min",
                "must not be below min_participants",
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(errors))
        }
    }
}

/// Creates a draft offer (with its `offer.created` event) and returns its id.
pub fn create(conn: &mut DbConnection, new: &NewOffer, actor: &Actor) -> Result<String, Error> {
    new.validate()?;
    let now = Utc::now().naive_utc();
    let id = Uuid::new_v4().to_string();
    let address = new.address.clone().unwrap_or(Address {
        street: None,
        postal_code: None,
        city: None,
        country: None,
    });
    let row = OfferRow {
        id: id.clone(),
        version: 1,
        status: OfferStatus::Draft,
        provider_id: new.provider_id.clone(),
        default_language: new.default_language.clone(),
        industry: new.industry.clone(),
        isced_f_code: new.isced_f_code.clone(),
        esco_skills: serde_json::to_string(&new.esco_skills)?,
        languages: serde_json::to_string(&new.languages)?,
        mode: new.mode.clone(),
        vr_ar: new.vr_ar,
        street: address.street,
        postal_code: address.postal_code,
        city: address.city,
        country: address.country.map(|c| c.to_ascii_uppercase()),
        start_date: new.start_date,
        end_date: new.end_date,
        application_deadline: new.application_deadline,
        schedule: serde_json::to_string(&new.schedule)?,
        hours: new.hours,
        price_minor: new.price_minor,
        price_currency: new.price_currency.clone(),
        subsidised: new.subsidised,
        eqf_level: new.eqf_level,
        ects: new.ects,
        min_participants: new.min_participants,
        max_participants: new.max_participants,
        microcredential: new.microcredential,
        qualification_refs: serde_json::to_string(&new.qualification_refs)?,
        chamilo_course_code: None,
        created_by: actor.user_id.clone(),
        created_at: now,
        updated_at: now,
        published_at: None,
    };
    write_transaction(conn, |conn| {
        diesel::insert_into(offers::table)
            .values(row.clone())
            .execute(conn)?;
        write_state(conn, &id, new, false)?;
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::OfferCreated,
                SubjectType::Offer,
                &id,
                serde_json::json!({ "provider_id": new.provider_id }),
            ),
        )?;
        Ok(())
    })?;
    Ok(id)
}

/// Writes `new` into the offer `id`: its texts always, its other fields too when `replace_row`
/// (an edit or an approved revision; a new offer's row was just inserted with them).
pub(super) fn write_state(
    conn: &mut DbConnection,
    id: &str,
    new: &NewOffer,
    replace_row: bool,
) -> Result<(), Error> {
    new.validate()?;
    if replace_row {
        let address = new.address.clone().unwrap_or(Address {
            street: None,
            postal_code: None,
            city: None,
            country: None,
        });
        diesel::update(offers::table.filter(offers::id.eq(id)))
            .set((
                offers::default_language.eq(&new.default_language),
                offers::industry.eq(&new.industry),
                offers::isced_f_code.eq(&new.isced_f_code),
                offers::esco_skills.eq(serde_json::to_string(&new.esco_skills)?),
                offers::languages.eq(serde_json::to_string(&new.languages)?),
                offers::mode.eq(&new.mode),
                offers::vr_ar.eq(new.vr_ar),
                offers::street.eq(address.street),
                offers::postal_code.eq(address.postal_code),
                offers::city.eq(address.city),
                offers::country.eq(address.country.map(|c| c.to_ascii_uppercase())),
                offers::start_date.eq(new.start_date),
                offers::end_date.eq(new.end_date),
                offers::application_deadline.eq(new.application_deadline),
                offers::schedule.eq(serde_json::to_string(&new.schedule)?),
                offers::hours.eq(new.hours),
                offers::price_minor.eq(new.price_minor),
                offers::price_currency.eq(&new.price_currency),
                offers::subsidised.eq(new.subsidised),
                offers::eqf_level.eq(new.eqf_level),
                offers::ects.eq(new.ects),
                offers::min_participants.eq(new.min_participants),
                offers::max_participants.eq(new.max_participants),
                offers::microcredential.eq(new.microcredential),
                offers::qualification_refs.eq(serde_json::to_string(&new.qualification_refs)?),
            ))
            .execute(conn)?;
        diesel::delete(offer_translations::table.filter(offer_translations::offer_id.eq(id)))
            .execute(conn)?;
    }
    for (language, t) in &new.texts {
        let tr = TranslationRow {
            offer_id: id.to_string(),
            language: language.clone(),
            title: t.title.clone(),
            description: t.description.clone(),
            learning_outcomes: serde_json::to_string(&t.learning_outcomes)?,
            acquired_documents: serde_json::to_string(&t.acquired_documents)?,
            validation: t.validation.clone(),
            target_group: t.target_group.clone(),
            participant_requirements: t.participant_requirements.clone(),
            staff_requirements: t.staff_requirements.clone(),
            vr_ar_instructions: t.vr_ar_instructions.clone(),
        };
        diesel::insert_into(offer_translations::table)
            .values(&tr)
            .execute(conn)?;
    }
    Ok(())
}

/// Publishes an offer (the end of the approval workflow, registry.md), bumping its version.
pub fn publish(conn: &mut DbConnection, id: &str, actor: &Actor) -> Result<(), Error> {
    let now = Utc::now().naive_utc();
    write_transaction(conn, |conn| {
        let n = diesel::update(offers::table.filter(offers::id.eq(id)))
            .set((
                offers::status.eq(OfferStatus::Published.as_str()),
                offers::published_at.eq(now),
                offers::updated_at.eq(now),
                offers::version.eq(offers::version + 1),
            ))
            .execute(conn)?;
        if n == 0 {
            return Err(Error::NotFound(format!("offer {id}")));
        }
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::OfferPublished,
                SubjectType::Offer,
                id,
                serde_json::json!({}),
            ),
        )?;
        Ok(())
    })
}
