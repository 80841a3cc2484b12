//! People's accounts, by concept: who a person is and what they may do (`person`), passwords
//! (`passwords`), their own changes to name and language (`profile`), registration with its e-mailed links (`registration`), and a superadmin's
//! actions on accounts (`admin`). Export and erasure, which reach across every concept, are in
//! `domain::privacy`.
//!
//! E-mails are normalised (surrounding spaces, Unicode NFC, case) before they are stored or
//! compared, so `Ana@X.eu` and ` ana@x.eu` are one account and one lockout counter (identity.md).

pub mod admin;
pub mod passwords;
pub mod person;
pub mod profile;
pub mod registration;

pub use admin::{administer, create_superadmin, keep_a_superadmin, AdminAction};
pub use passwords::{check_password_policy, hash_password, password_hash, verify_password};
pub use person::{
    email_verified, find_id_by_email, normalise_email, person, person_field_errors, search,
    superadmins, Membership, Person,
};
pub use profile::{update_profile, Profile};
pub use registration::{
    confirm, create, email_of_token, register, request_reset, reset_password, LinkPurpose, NewUser,
    Registration, TERMS_VERSION,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_that_differ_only_in_case_space_or_composition_are_one() {
        // "é" precomposed vs "e" + combining acute accent.
        assert_eq!(
            normalise_email(" Zoë@Example.EU "),
            normalise_email("zoe\u{308}@example.eu")
        );
    }

    #[test]
    fn password_policy() {
        assert!(check_password_policy("short1!", "a@x.eu").is_err());
        assert!(check_password_policy("longbutnodigits!", "a@x.eu").is_err());
        assert!(check_password_policy("anna.kowalska-1!", "Anna.Kowalska@x.eu").is_err());
        assert!(check_password_policy("correct-horse-7-battery", "anna@x.eu").is_ok());
        assert!(
            check_password_policy("P@ssw0rd1234", "anna@x.eu").is_err(),
            "a common password"
        );
        assert!(
            check_password_policy("Qwerty123456!", "anna@x.eu").is_err(),
            "case does not matter"
        );
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let h = hash_password("correct-horse-7-battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct-horse-7-battery", &h));
        assert!(!verify_password("correct-horse-7-batterY", &h));
    }
}
