//! The audit log: who did which security-relevant thing to what, from where, and when
//! (DESIGN.md, Conventions). Written in the same transaction as the action it records.

use chrono::Utc;
use diesel::prelude::*;

use super::vocabulary::{vocabulary, SubjectType};
use crate::db::schema::audit_log;
use crate::db::DbConnection;
use crate::error::Error;

/// Who is acting, for events and the audit log: a person (with the address they came from), or
/// the hub itself (scheduled jobs, consumers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<String>,
    pub ip: Option<String>,
}

impl Actor {
    pub fn person(user_id: impl Into<String>, ip: Option<String>) -> Self {
        Self {
            user_id: Some(user_id.into()),
            ip,
        }
    }

    /// The hub's own work: no person, no address.
    pub fn hub() -> Self {
        Self::default()
    }

    pub fn id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The acting person, for changes only a person makes (401 when there is none).
    pub fn person_id(&self) -> Result<&str, Error> {
        self.id().ok_or(Error::Unauthenticated)
    }
}

vocabulary! {
    /// Security-relevant actions that change nothing others follow, so they are audited without
    /// an outbox event. Changes that others follow are audited by `events::record` under their
    /// event's name.
    Action {
        SignedIn = "signin.success",
        SessionEnded = "session.ended",
        OidcConsentGranted = "oidc.consent_granted",
        /// A superadmin made on the command line.
        AdminCreated = "admin.create",
        AccountLocked = "account.locked",
        AccountExported = "account.exported",
        UpstreamLinked = "upstream.linked",
        SecurityAlert = "security.alert",
        UserLocked = "user.locked",
        UserUnlocked = "user.unlocked",
        UserRolesChanged = "user.roles_changed",
        UserResetSent = "user.reset_sent",
        UserSessionsEnded = "user.sessions_ended",
        ApiKeyCreated = "api_key.created",
        ApiKeyRevoked = "api_key.revoked",
        IdentityProviderCreated = "identity_provider.created",
        OidcClientCreated = "oidc_client.created",
        EmployeeInvited = "employee.invited",
        EmploymentAccepted = "employee.accepted",
        EmploymentDeclined = "employee.declined",
        DeliveryRetried = "delivery.retried",
        BadgeRevoked = "badge.revoked",
        IssuerKeyRotated = "issuer_key.rotated",
    }
}

/// Records `action` on a subject by `actor`, in the caller's transaction.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: Action,
    subject_type: SubjectType,
    subject_id: Option<&str>,
    detail: serde_json::Value,
) -> Result<(), Error> {
    write(
        conn,
        actor,
        action.as_str(),
        subject_type,
        subject_id,
        detail,
    )
}

/// The one insert into the log; `events::record` calls it for audited events.
pub(super) fn write(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    subject_type: SubjectType,
    subject_id: Option<&str>,
    detail: serde_json::Value,
) -> Result<(), Error> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(Utc::now().naive_utc()),
            audit_log::actor_id.eq(actor.id()),
            audit_log::action.eq(action),
            audit_log::subject_type.eq(subject_type.as_str()),
            audit_log::subject_id.eq(subject_id),
            audit_log::ip.eq(actor.ip.as_deref()),
            audit_log::detail.eq(detail.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Record {
    pub id: i64,
    #[serde(serialize_with = "crate::db::utc")]
    #[schema(value_type = chrono::DateTime<Utc>)]
    pub at: chrono::NaiveDateTime,
    pub actor_id: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: Option<String>,
    pub ip: Option<String>,
    pub detail: serde_json::Value,
}

/// The entries matching every filter given, newest first, one window of them and the total.
pub fn search(
    conn: &mut DbConnection,
    actor: Option<&str>,
    action: Option<&str>,
    since: Option<chrono::NaiveDateTime>,
    window: crate::db::Window,
) -> Result<crate::db::Paged<Record>, Error> {
    let filtered = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(a) = actor {
            q = q.filter(audit_log::actor_id.eq(a.to_string()));
        }
        if let Some(a) = action {
            q = q.filter(audit_log::action.eq(a.to_string()));
        }
        if let Some(s) = since {
            q = q.filter(audit_log::at.ge(s));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows: Vec<AuditRow> = filtered()
        .order(audit_log::id.desc())
        .offset(window.offset())
        .limit(window.limit())
        .select(AuditRow::as_select())
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(Record {
                id: r.id,
                at: r.at,
                actor_id: r.actor_id,
                action: r.action,
                subject_type: r.subject_type,
                subject_id: r.subject_id,
                ip: r.ip,
                detail: serde_json::from_str(&r.detail)?,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(crate::db::Paged { items, total })
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct AuditRow {
    id: i64,
    at: chrono::NaiveDateTime,
    actor_id: Option<String>,
    action: String,
    subject_type: String,
    subject_id: Option<String>,
    ip: Option<String>,
    detail: String,
}
