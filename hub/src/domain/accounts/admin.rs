//! A superadmin's actions on accounts: lock, unlock, roles, a reset link, ending sessions. Each
//! is audited with actor and address, in the transaction of the change. The hub never lets the
//! last active superadmin lock or demote themselves out of it: nobody would be left to undo it.

use diesel::prelude::*;

use super::{person, registration, Person};
use crate::crypto::Sealer;
use crate::db::schema::{user_roles, users};
use crate::db::{write_transaction, DbConnection};
use crate::domain::audit::{self, Action};
use crate::domain::vocabulary::{AccountStatus, Role, SubjectType};
use crate::domain::{sessions, Actor};
use crate::error::Error;

/// A superadmin's action on an account.
#[derive(Clone)]
pub enum AdminAction<'a> {
    Lock,
    Unlock,
    /// The new roles, for the account as read at version `expected`.
    SetRoles {
        roles: Vec<Role>,
        expected: i32,
    },
    /// Sends the same reset link the person could ask for.
    SendReset(&'a Sealer),
    EndSessions,
}

/// Does `action` to the account `id`; 409 when it would leave the hub without an active
/// superadmin.
pub fn administer(
    conn: &mut DbConnection,
    id: &str,
    action: AdminAction<'_>,
    actor: &Actor,
) -> Result<Person, Error> {
    write_transaction(conn, |conn| {
        let before = person(conn, id)?;
        let (done, detail) = match action {
            AdminAction::Lock => {
                keep_a_superadmin(conn, &before, "lock")?;
                diesel::update(users::table.filter(users::id.eq(id)))
                    .set(users::status.eq(AccountStatus::Locked.as_str()))
                    .execute(conn)?;
                sessions::end_all(conn, id, None)?;
                (Action::UserLocked, serde_json::json!({}))
            }
            AdminAction::Unlock => {
                let status = match before.status {
                    AccountStatus::Locked => AccountStatus::Active,
                    other => other,
                };
                diesel::update(users::table.filter(users::id.eq(id)))
                    .set((
                        users::status.eq(status.as_str()),
                        users::locked_until.eq(None::<chrono::NaiveDateTime>),
                    ))
                    .execute(conn)?;
                (Action::UserUnlocked, serde_json::json!({}))
            }
            AdminAction::SetRoles { roles, expected } => {
                if before.version != expected {
                    return Err(Error::PreconditionFailed);
                }
                if !roles.contains(&Role::Superadmin) {
                    keep_a_superadmin(conn, &before, "remove the superadmin role of")?;
                }
                diesel::delete(user_roles::table.filter(user_roles::user_id.eq(id)))
                    .execute(conn)?;
                for r in &roles {
                    diesel::insert_into(user_roles::table)
                        .values((user_roles::user_id.eq(id), user_roles::role.eq(r.as_str())))
                        .execute(conn)?;
                }
                (
                    Action::UserRolesChanged,
                    serde_json::json!({ "before": before.roles, "after": roles }),
                )
            }
            AdminAction::SendReset(sealer) => {
                registration::send_reset_link(conn, &before, actor, sealer)?;
                (Action::UserResetSent, serde_json::json!({}))
            }
            AdminAction::EndSessions => {
                let ended = sessions::end_all(conn, id, None)?;
                (
                    Action::UserSessionsEnded,
                    serde_json::json!({ "ended": ended }),
                )
            }
        };
        diesel::update(users::table.filter(users::id.eq(id)))
            .set(users::version.eq(users::version + 1))
            .execute(conn)?;
        audit::record(conn, actor, done, SubjectType::User, Some(id), detail)?;
        if done == Action::UserRolesChanged {
            // What the person is elsewhere (Chamilo's teacher or student) follows.
            crate::domain::events::record(
                conn,
                actor,
                crate::domain::events::NewEvent::new(
                    crate::domain::events::EventKind::AccountUpdated,
                    SubjectType::User,
                    id,
                    serde_json::json!({}),
                ),
            )?;
        }
        person(conn, id)
    })
}

/// 409 when `p` is the only active superadmin: locking, demoting or erasing them would leave
/// nobody to manage the hub.
pub fn keep_a_superadmin(conn: &mut DbConnection, p: &Person, what: &str) -> Result<(), Error> {
    if !p.is_superadmin() || p.status != AccountStatus::Active {
        return Ok(());
    }
    // Two superadmins demoting each other at once must not both see the other remain: on
    // PostgreSQL the superadmins' rows are held until the change commits (SQLite has one
    // writer at a time anyway).
    if let DbConnection::Postgres(pg) = conn {
        users::table
            .filter(
                users::id.eq_any(
                    user_roles::table
                        .filter(user_roles::role.eq(Role::Superadmin.as_str()))
                        .select(user_roles::user_id),
                ),
            )
            .select(users::id)
            .for_update()
            .load::<String>(pg)?;
    }
    let others: i64 = user_roles::table
        .inner_join(users::table)
        .filter(user_roles::role.eq(Role::Superadmin.as_str()))
        .filter(users::status.eq(AccountStatus::Active.as_str()))
        .filter(users::id.ne(&p.id))
        .count()
        .get_result(conn)?;
    if others == 0 {
        return Err(Error::Conflict(format!(
            "cannot {what} the last active superadmin: make another superadmin first"
        )));
    }
    Ok(())
}

/// A superadmin made outside the hub's own pages (the command line), audited as such.
pub fn create_superadmin(
    conn: &mut DbConnection,
    new: &registration::NewUser<'_>,
    via: &str,
    actor: &Actor,
) -> Result<String, Error> {
    write_transaction(conn, |conn| {
        let id = registration::create(conn, new, actor)?;
        audit::record(
            conn,
            actor,
            Action::AdminCreated,
            SubjectType::User,
            Some(&id),
            serde_json::json!({ "via": via }),
        )?;
        Ok(id)
    })
}
