//! Employees of employers (registry.md: employers enrol staff): employer staff invite a person by
//! e-mail, the person accepts or declines, and only then may the employer apply for them. The
//! invitation answers the same whatever the address, so it tells nobody who has an account.

use diesel::prelude::*;

use crate::db::schema::memberships;
use crate::db::{write_transaction, DbConnection};
use crate::domain::accounts;
use crate::domain::audit::{self, Action};
use crate::domain::notifications;
use crate::domain::vocabulary::{
    MembershipRole, NotificationKind, OrganisationKind, Role, SubjectType,
};
use crate::domain::Actor;
use crate::error::Error;

/// Employer staff (`person`, of `employer`) invite the account with `email` as an employee. An
/// address with no trainee account behind it, or one already invited or employed, changes
/// nothing; the caller cannot tell which.
pub fn invite(
    conn: &mut DbConnection,
    employer: &str,
    email: &str,
    person: &accounts::Person,
    actor: &Actor,
) -> Result<(), Error> {
    if !person.is_staff_of(employer, OrganisationKind::Employer) {
        return Err(Error::Forbidden(
            "only the employer's confirmed staff invite its employees".into(),
        ));
    }
    write_transaction(conn, |conn| {
        let Some(id) = accounts::find_id_by_email(conn, email)? else {
            return Ok(());
        };
        if !accounts::person(conn, &id)?.has_role(Role::Trainee) {
            return Ok(());
        }
        let member: i64 = memberships::table
            .filter(memberships::organisation_id.eq(employer))
            .filter(memberships::user_id.eq(&id))
            .count()
            .get_result(conn)?;
        if member > 0 {
            return Ok(());
        }
        diesel::insert_into(memberships::table)
            .values((
                memberships::user_id.eq(&id),
                memberships::organisation_id.eq(employer),
                memberships::role.eq(MembershipRole::Invited.as_str()),
                memberships::created_at.eq(chrono::Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        notifications::create(
            conn,
            &id,
            NotificationKind::EmployerInvitation,
            &serde_json::json!({ "organisation_id": employer }),
        )?;
        audit::record(
            conn,
            actor,
            Action::EmployeeInvited,
            SubjectType::Organisation,
            Some(employer),
            serde_json::json!({ "user_id": id }),
        )
    })
}

/// The invited person (the actor) accepts or declines `employer`'s invitation; 404 when there is
/// none.
pub fn answer(
    conn: &mut DbConnection,
    employer: &str,
    accept: bool,
    actor: &Actor,
) -> Result<(), Error> {
    let me = actor.person_id()?;
    write_transaction(conn, |conn| {
        let invitation = memberships::table
            .filter(memberships::organisation_id.eq(employer))
            .filter(memberships::user_id.eq(me))
            .filter(memberships::role.eq(MembershipRole::Invited.as_str()));
        let n = if accept {
            diesel::update(invitation)
                .set(memberships::role.eq(MembershipRole::Employee.as_str()))
                .execute(conn)?
        } else {
            diesel::delete(invitation).execute(conn)?
        };
        if n == 0 {
            return Err(Error::NotFound("invitation".into()));
        }
        audit::record(
            conn,
            actor,
            if accept {
                Action::EmploymentAccepted
            } else {
                Action::EmploymentDeclined
            },
            SubjectType::Organisation,
            Some(employer),
            serde_json::json!({}),
        )
    })
}
