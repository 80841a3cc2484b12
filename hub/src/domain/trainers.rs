//! Trainers named on offers (registry.md): the provider names a trainer, who confirms or
//! declines; offers show their trainers with that answer.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{offer_trainers, users};
use crate::db::{write_transaction, DbConnection};
use crate::domain::events::{self, EventKind, NewEvent};
use crate::domain::vocabulary::{NotificationKind, Role, SubjectType};
use crate::domain::{accounts, notifications, Actor};
use crate::error::Error;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct NamedTrainer {
    pub id: String,
    pub name: String,
    /// `null` until the trainer answers.
    pub confirmed: Option<bool>,
}

/// Names the account with `email` (which must hold the trainer role) on the offer.
pub fn name(
    conn: &mut DbConnection,
    offer_id: &str,
    email: &str,
    actor: &Actor,
) -> Result<String, Error> {
    write_transaction(conn, |conn| {
        // One answer for "no such account" and "not a trainer": the form is no way to learn
        // who has an account.
        let no_trainer = || Error::field("email", "not_a_trainer", "no trainer has this e-mail");
        let id = accounts::find_id_by_email(conn, email)?.ok_or_else(no_trainer)?;
        if !accounts::person(conn, &id)?.has_role(Role::Trainer) {
            return Err(no_trainer());
        }
        let exists: i64 = offer_trainers::table
            .filter(offer_trainers::offer_id.eq(offer_id))
            .filter(offer_trainers::trainer_id.eq(&id))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Err(Error::Conflict("this trainer is named already".into()));
        }
        diesel::insert_into(offer_trainers::table)
            .values((
                offer_trainers::offer_id.eq(offer_id),
                offer_trainers::trainer_id.eq(&id),
            ))
            .execute(conn)?;
        notifications::create(
            conn,
            &id,
            NotificationKind::TrainerNamed,
            &serde_json::json!({ "offer_id": offer_id }),
        )?;
        changed(conn, offer_id, EventKind::OfferTrainerNamed, &id, actor)?;
        Ok(id)
    })
}

/// The named trainer's answer; 404 when they are not named on the offer.
/// The named trainer (the actor) confirms or declines.
pub fn answer(
    conn: &mut DbConnection,
    offer_id: &str,
    confirmed: bool,
    actor: &Actor,
) -> Result<(), Error> {
    let trainer_id = actor.person_id()?;
    write_transaction(conn, |conn| {
        let n = diesel::update(
            offer_trainers::table
                .filter(offer_trainers::offer_id.eq(offer_id))
                .filter(offer_trainers::trainer_id.eq(trainer_id)),
        )
        .set(offer_trainers::confirmed.eq(Some(confirmed)))
        .execute(conn)?;
        if n == 0 {
            return Err(Error::NotFound("you are not named on this offer".into()));
        }
        changed(
            conn,
            offer_id,
            EventKind::OfferTrainerAnswered,
            trainer_id,
            actor,
        )
    })
}

/// The offer's public view lists its trainers: the catalogue and its cache learn of the change.
fn changed(
    conn: &mut DbConnection,
    offer_id: &str,
    kind: EventKind,
    trainer: &str,
    actor: &Actor,
) -> Result<(), Error> {
    events::record(
        conn,
        actor,
        NewEvent::new(
            kind,
            SubjectType::Offer,
            offer_id,
            serde_json::json!({ "trainer_id": trainer }),
        ),
    )?;
    Ok(())
}

/// The trainers of each offer in `ids`.
pub fn of_offers(
    conn: &mut DbConnection,
    ids: &[&str],
) -> Result<std::collections::BTreeMap<String, Vec<NamedTrainer>>, Error> {
    let rows: Vec<(String, String, String, String, Option<bool>)> = offer_trainers::table
        .inner_join(users::table)
        .filter(offer_trainers::offer_id.eq_any(ids))
        .order((offer_trainers::offer_id, users::last_name))
        .select((
            offer_trainers::offer_id,
            users::id,
            users::first_name,
            users::last_name,
            offer_trainers::confirmed,
        ))
        .load(conn)?;
    let mut map: std::collections::BTreeMap<String, Vec<NamedTrainer>> = Default::default();
    for (offer, id, first, last, confirmed) in rows {
        map.entry(offer).or_default().push(NamedTrainer {
            id,
            name: format!("{first} {last}"),
            confirmed,
        });
    }
    Ok(map)
}
