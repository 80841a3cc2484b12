//! A person as the hub knows them: account, roles, memberships, and the typed questions of what
//! they may do (the one place "who may" is answered).

use diesel::prelude::*;
use unicode_normalization::UnicodeNormalization;

use crate::db::schema::{memberships, organisations, user_roles, users};
use crate::db::DbConnection;
use crate::domain::vocabulary::{
    AccountStatus, MembershipRole, OrganisationKind, OrganisationStatus, Role,
};
use crate::error::{Error, FieldError};

pub fn normalise_email(email: &str) -> String {
    email.trim().nfc().collect::<String>().to_lowercase()
}

/// The checks every account's own fields must pass, named as the API spells them.
pub fn person_field_errors(
    email: &str,
    first: &str,
    last: &str,
    language: &str,
) -> Vec<FieldError> {
    let email = normalise_email(email);
    let mut errors = Vec::new();
    let (local, domain) = email.split_once('@').unwrap_or(("", ""));
    if local.is_empty() || !domain.contains('.') || domain.starts_with('.') || email.contains(' ') {
        errors.push(FieldError::new("email", "invalid", "not an e-mail address"));
    }
    if first.trim().is_empty() {
        errors.push(FieldError::new(
            "first_name",
            "required",
            "enter a first name",
        ));
    }
    if last.trim().is_empty() {
        errors.push(FieldError::new(
            "last_name",
            "required",
            "enter a last name",
        ));
    }
    if !crate::i18n::LANGUAGES.contains(&language) {
        errors.push(FieldError::new(
            "language",
            "invalid",
            "must be en, pl, it or el",
        ));
    }
    errors
}

/// The account as `/api/me` shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub language: String,
    /// Moves on with every change of the account: `If-Match` for `PUT` and `DELETE` on it.
    pub version: i32,
    #[serde(skip)]
    pub status: AccountStatus,
    pub roles: Vec<Role>,
    pub memberships: Vec<Membership>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Membership {
    pub organisation_id: String,
    pub role: MembershipRole,
    pub kind: OrganisationKind,
    /// The organisation's standing: staff act for it only once it is confirmed.
    pub status: OrganisationStatus,
}

/// "Who may": every check of a person's roles and memberships is one of these questions, so no
/// handler compares strings and every refusal says why.
impl Person {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_superadmin(&self) -> bool {
        self.has_role(Role::Superadmin)
    }

    pub fn is_active(&self) -> bool {
        self.status == AccountStatus::Active
    }

    /// Confirmed staff of this organisation, of this kind.
    pub fn is_staff_of(&self, organisation: &str, kind: OrganisationKind) -> bool {
        self.memberships.iter().any(|m| {
            m.organisation_id == organisation
                && m.kind == kind
                && m.role.is_staff()
                && m.status == OrganisationStatus::Confirmed
        })
    }

    /// The organisations of this kind the person is confirmed staff of.
    pub fn staff_organisations(&self, kind: OrganisationKind) -> Vec<String> {
        self.memberships
            .iter()
            .filter(|m| {
                m.kind == kind && m.role.is_staff() && m.status == OrganisationStatus::Confirmed
            })
            .map(|m| m.organisation_id.clone())
            .collect()
    }

    /// Ok when the person is confirmed staff of this provider; 403 saying so otherwise.
    pub fn provider_staff(&self, provider: &str) -> Result<(), Error> {
        if self.is_staff_of(provider, OrganisationKind::Provider) {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "only confirmed staff of the offer's provider may do this".into(),
            ))
        }
    }

    /// Staff of the provider, or a superadmin (who oversees every provider).
    pub fn provider_staff_or_superadmin(&self, provider: &str) -> Result<(), Error> {
        if self.is_superadmin() {
            return Ok(());
        }
        self.provider_staff(provider)
    }

    /// The one employer the person is confirmed staff of; 403 when there is none.
    pub fn employer(&self) -> Result<String, Error> {
        self.staff_organisations(OrganisationKind::Employer)
            .into_iter()
            .next()
            .ok_or_else(|| Error::Forbidden("only confirmed employer staff may do this".into()))
    }

    pub fn require_role(&self, role: Role) -> Result<(), Error> {
        if self.has_role(role) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("only a {role} may do this")))
        }
    }
}

pub fn person(conn: &mut DbConnection, id: &str) -> Result<Person, Error> {
    let (id, email, first_name, last_name, language, status, version): (
        String,
        String,
        String,
        String,
        String,
        String,
        i32,
    ) = users::table
        .filter(users::id.eq(id))
        .select((
            users::id,
            users::email,
            users::first_name,
            users::last_name,
            users::language,
            users::status,
            users::version,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("user {id}")))?;
    let roles = user_roles::table
        .filter(user_roles::user_id.eq(&id))
        .order(user_roles::role)
        .select(user_roles::role)
        .load::<String>(conn)?
        .into_iter()
        .map(Role::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let memberships = memberships::table
        .inner_join(organisations::table)
        .filter(memberships::user_id.eq(&id))
        .select((
            memberships::organisation_id,
            memberships::role,
            organisations::kind,
            organisations::status,
        ))
        .load::<(String, String, String, String)>(conn)?
        .into_iter()
        .map(|(organisation_id, role, kind, status)| {
            Ok(Membership {
                organisation_id,
                role: role.try_into()?,
                kind: kind.try_into()?,
                status: status.try_into()?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Person {
        id,
        email,
        first_name,
        last_name,
        language,
        version,
        status: status.try_into()?,
        roles,
        memberships,
    })
}

pub fn superadmins(conn: &mut DbConnection) -> Result<Vec<Person>, Error> {
    let ids: Vec<String> = user_roles::table
        .inner_join(users::table)
        .filter(user_roles::role.eq(Role::Superadmin.as_str()))
        .filter(users::status.eq(AccountStatus::Active.as_str()))
        .select(users::id)
        .load(conn)?;
    ids.iter().map(|id| person(conn, id)).collect()
}

pub fn find_id_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<String>, Error> {
    Ok(users::table
        .filter(users::email.eq(normalise_email(email)))
        .select(users::id)
        .first(conn)
        .optional()?)
}

pub fn email_verified(conn: &mut DbConnection, id: &str) -> Result<bool, Error> {
    Ok(users::table
        .filter(users::id.eq(id))
        .select(users::email_verified)
        .first(conn)?)
}

diesel::define_sql_function! {
    /// SQL `lower()`, which both backends have.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// People whose e-mail or name contains `q` (case-insensitively), newest first, for the
/// superadmin: one window of them and the total.
pub fn search(
    conn: &mut DbConnection,
    q: Option<&str>,
    window: crate::db::Window,
) -> Result<crate::db::Paged<Person>, Error> {
    // A superadmin's search string: wildcards in it only widen the search.
    let pattern = q
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| format!("%{}%", q.to_lowercase()));
    let filtered = || {
        let mut query = users::table.into_boxed();
        if let Some(pattern) = &pattern {
            query = query.filter(
                users::email
                    .like(pattern.clone())
                    .or(lower(users::first_name).like(pattern.clone()))
                    .or(lower(users::last_name).like(pattern.clone())),
            );
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let ids: Vec<String> = filtered()
        .order((users::created_at.desc(), users::id))
        .offset(window.offset())
        .limit(window.limit())
        .select(users::id)
        .load(conn)?;
    let items = ids
        .iter()
        .map(|id| person(conn, id))
        .collect::<Result<_, _>>()?;
    Ok(crate::db::Paged { items, total })
}
