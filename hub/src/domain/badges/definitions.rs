//! Badges a provider's staff define on an offer, each with the rule that awards it. Several may
//! hang on one offer (a basic and an advanced one, say); each is issued on its own.

use base64::Engine;
use chrono::Utc;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{badges, offers};
use crate::db::{write_transaction, DbConnection};
use crate::domain::accounts::Person;
use crate::domain::offers as offer_queries;
use crate::error::{Error, FieldError};

/// The achievement types of Open Badges 3.0 (`achievementType`); `ext:…` names others.
pub const ACHIEVEMENT_TYPES: &[&str] = &[
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
];

/// A badge image is small: at most this many bytes of PNG.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;

/// When a completion earns the badge. Every condition given must hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BadgeRule {
    /// The training completed: a badge always rests on a completion record, so this is true.
    #[serde(default = "completion_required")]
    pub completion: bool,
    /// The best quiz score the participant reached in the course, in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_score: Option<f64>,
    /// A learning path of this title completed in the course.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning_path: Option<String>,
    /// The training's hours (the offer's `hours`): a badge for the longer of two formats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_hours: Option<i32>,
}

fn completion_required() -> bool {
    true
}

/// An ESCO skill the badge aligns to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillRef {
    pub uri: String,
    pub name: String,
}

/// A badge as its provider writes it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BadgeInput {
    pub name: String,
    pub description: String,
    /// How it is earned, in words (Markdown).
    pub criteria: String,
    /// `Badge` unless given: one of Open Badges' achievement types, or `ext:…`.
    #[serde(default)]
    pub achievement_type: Option<String>,
    /// 1–8; the offer's when not given.
    #[serde(default)]
    pub eqf_level: Option<i32>,
    /// The ECTS credits (`creditsAvailable`); the offer's when not given.
    #[serde(default)]
    pub ects: Option<f64>,
    #[serde(default)]
    pub skills: Vec<SkillRef>,
    /// The image, a PNG in base64; a plain one is drawn when none is given.
    #[serde(default)]
    pub image_png: Option<String>,
    /// How long a credential stays valid, in days; for ever when not given.
    #[serde(default)]
    pub valid_days: Option<i32>,
    pub rule: BadgeRule,
}

/// A badge as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BadgeView {
    pub id: String,
    pub offer_id: String,
    pub name: String,
    pub description: String,
    pub criteria: String,
    pub achievement_type: String,
    pub eqf_level: Option<i32>,
    pub ects: Option<f64>,
    pub skills: Vec<SkillRef>,
    pub valid_days: Option<i32>,
    pub rule: BadgeRule,
    /// Whether the provider gave an image (else a plain one is drawn).
    pub own_image: bool,
}

impl BadgeInput {
    fn check(&self) -> Result<Option<Vec<u8>>, Error> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, code: &str, message: &str| {
            errors.push(FieldError::new(field, code, message));
        };
        for (field, value, max) in [
            ("name", &self.name, 200),
            ("description", &self.description, 4000),
            ("criteria", &self.criteria, 4000),
        ] {
            if value.trim().is_empty() {
                bad(field, "required", "must not be empty");
            } else if value.chars().count() > max {
                bad(field, "too_long", &format!("at most {max} characters"));
            }
        }
        if let Some(t) = &self.achievement_type {
            let ext = t.strip_prefix("ext:").is_some_and(|rest| {
                !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "|.-_".contains(c))
            });
            if !ACHIEVEMENT_TYPES.contains(&t.as_str()) && !ext {
                bad(
                    "achievement_type",
                    "invalid",
                    "one of Open Badges' achievement types (Badge, Certificate, CertificateOfCompletion, …) or ext:…",
                );
            }
        }
        if self.eqf_level.is_some_and(|l| !(1..=8).contains(&l)) {
            bad("eqf_level", "invalid", "an EQF level is 1 to 8");
        }
        if self.ects.is_some_and(|e| !(e > 0.0 && e <= 360.0)) {
            bad(
                "ects",
                "invalid",
                "more than 0 and at most 360 ECTS credits",
            );
        }
        for (i, skill) in self.skills.iter().enumerate() {
            if !rdf::vocab::is_esco_skill_uri(&skill.uri) {
                bad(
                    &format!("skills[{i}].uri"),
                    "invalid",
                    "not an ESCO skill URI",
                );
            }
            if skill.name.trim().is_empty() {
                bad(&format!("skills[{i}].name"), "required", "the skill's name");
            }
        }
        if self.valid_days.is_some_and(|d| !(1..=36_500).contains(&d)) {
            bad("valid_days", "invalid", "1 to 36500 days");
        }
        if !self.rule.completion {
            bad(
                "rule.completion",
                "invalid",
                "a badge rests on a completed training: completion is required",
            );
        }
        if self
            .rule
            .min_score
            .is_some_and(|s| !(0.0..=100.0).contains(&s))
        {
            bad("rule.min_score", "invalid", "a percentage, 0 to 100");
        }
        if self.rule.min_hours.is_some_and(|h| h < 1) {
            bad("rule.min_hours", "invalid", "at least 1 hour");
        }
        if self
            .rule
            .learning_path
            .as_ref()
            .is_some_and(|p| p.trim().is_empty())
        {
            bad("rule.learning_path", "invalid", "the learning path's title");
        }
        let image = match &self.image_png {
            None => None,
            Some(b64) => match base64::engine::general_purpose::STANDARD.decode(b64.trim()) {
                Err(_) => {
                    bad("image_png", "invalid", "not base64");
                    None
                }
                Ok(bytes) if bytes.len() > MAX_IMAGE_BYTES => {
                    bad("image_png", "too_large", "at most 512 KiB");
                    None
                }
                Ok(bytes) => match rdf::credentials::baking::bake(&bytes, "") {
                    Ok(_) => Some(bytes),
                    Err(e) => {
                        bad("image_png", "invalid", &e.to_string());
                        None
                    }
                },
            },
        };
        if errors.is_empty() {
            Ok(image)
        } else {
            Err(Error::Validation(errors))
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = badges)]
struct BadgeRow {
    id: String,
    offer_id: String,
    name: String,
    description: String,
    criteria: String,
    achievement_type: String,
    eqf_level: Option<i32>,
    ects: Option<f64>,
    skills: String,
    valid_days: Option<i32>,
    rule: String,
}

impl BadgeRow {
    fn view(self, own_image: bool) -> Result<BadgeView, Error> {
        Ok(BadgeView {
            id: self.id,
            offer_id: self.offer_id,
            name: self.name,
            description: self.description,
            criteria: self.criteria,
            achievement_type: self.achievement_type,
            eqf_level: self.eqf_level,
            ects: self.ects,
            skills: serde_json::from_str(&self.skills)?,
            valid_days: self.valid_days,
            rule: serde_json::from_str(&self.rule)?,
            own_image,
        })
    }
}

/// Defines a badge on `offer_id`: its provider's staff or a superadmin.
pub fn create(
    conn: &mut DbConnection,
    person: &Person,
    offer_id: &str,
    input: &BadgeInput,
) -> Result<BadgeView, Error> {
    write_transaction(conn, |conn| {
        let (provider, _) = offer_queries::provider_and_status(conn, offer_id)?;
        person.provider_staff_or_superadmin(&provider)?;
        let image = input.check()?;
        let (offer_eqf, offer_ects): (Option<i32>, Option<f64>) = offers::table
            .find(offer_id)
            .select((offers::eqf_level, offers::ects))
            .first(conn)?;
        let id = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(badges::table)
            .values((
                badges::id.eq(&id),
                badges::offer_id.eq(offer_id),
                badges::name.eq(input.name.trim()),
                badges::description.eq(input.description.trim()),
                badges::criteria.eq(input.criteria.trim()),
                badges::achievement_type.eq(input.achievement_type.as_deref().unwrap_or("Badge")),
                badges::eqf_level.eq(input.eqf_level.or(offer_eqf)),
                badges::ects.eq(input.ects.or(offer_ects)),
                badges::skills.eq(serde_json::to_string(&input.skills)?),
                badges::image.eq(image),
                badges::valid_days.eq(input.valid_days),
                badges::rule.eq(serde_json::to_string(&input.rule)?),
                badges::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        get(conn, offer_id, &id)
    })
}

/// The badges of an offer, oldest first.
pub fn of_offer(conn: &mut DbConnection, offer_id: &str) -> Result<Vec<BadgeView>, Error> {
    let rows: Vec<(BadgeRow, bool)> = badges::table
        .filter(badges::offer_id.eq(offer_id))
        .order((badges::created_at.asc(), badges::id.asc()))
        .select((BadgeRow::as_select(), badges::image.is_not_null()))
        .load(conn)?;
    rows.into_iter().map(|(r, own)| r.view(own)).collect()
}

pub fn get(conn: &mut DbConnection, offer_id: &str, id: &str) -> Result<BadgeView, Error> {
    let (row, own): (BadgeRow, bool) = badges::table
        .filter(badges::id.eq(id))
        .filter(badges::offer_id.eq(offer_id))
        .select((BadgeRow::as_select(), badges::image.is_not_null()))
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("badge {id}")))?;
    row.view(own)
}

/// The badge's image: the provider's, or a plain one drawn for it.
pub fn image(conn: &mut DbConnection, offer_id: &str, id: &str) -> Result<Vec<u8>, Error> {
    let image: Option<Option<Vec<u8>>> = badges::table
        .filter(badges::id.eq(id))
        .filter(badges::offer_id.eq(offer_id))
        .select(badges::image)
        .first(conn)
        .optional()?;
    match image {
        None => Err(Error::NotFound(format!("badge {id}"))),
        Some(Some(png)) => Ok(png),
        Some(None) => Ok(rdf::credentials::baking::default_image(id.as_bytes())),
    }
}
