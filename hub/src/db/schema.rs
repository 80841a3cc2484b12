//! The diesel schema, written by hand to match both `migrations/postgres` and `migrations/sqlite`.
//! Only SQL types both backends share appear here (text ids, `Timestamp`, `Date`, `BigInt`…), which
//! is what lets one `MultiConnection` code path serve either database.

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Nullable<Text>,
        first_name -> Text,
        last_name -> Text,
        language -> Text,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    organisations (id) {
        id -> Text,
        kind -> Text,
        name -> Text,
        status -> Text,
        city -> Nullable<Text>,
        country -> Nullable<Text>,
        website -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    memberships (user_id, organisation_id) {
        user_id -> Text,
        organisation_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    offers (id) {
        id -> Text,
        version -> Integer,
        status -> Text,
        provider_id -> Text,
        default_language -> Text,
        industry -> Text,
        isced_f_code -> Nullable<Text>,
        esco_skills -> Text,
        languages -> Text,
        mode -> Text,
        vr_ar -> Bool,
        street -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        city -> Nullable<Text>,
        country -> Nullable<Text>,
        start_date -> Date,
        end_date -> Date,
        application_deadline -> Nullable<Date>,
        schedule -> Text,
        hours -> Integer,
        price_minor -> BigInt,
        price_currency -> Text,
        subsidised -> Bool,
        eqf_level -> Nullable<Integer>,
        ects -> Nullable<Double>,
        min_participants -> Integer,
        max_participants -> Integer,
        microcredential -> Bool,
        qualification_refs -> Text,
        chamilo_course_code -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    offer_translations (offer_id, language) {
        offer_id -> Text,
        language -> Text,
        title -> Text,
        description -> Text,
        learning_outcomes -> Text,
        acquired_documents -> Text,
        validation -> Nullable<Text>,
        target_group -> Nullable<Text>,
        participant_requirements -> Nullable<Text>,
        staff_requirements -> Nullable<Text>,
        vr_ar_instructions -> Nullable<Text>,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        kind -> Text,
        subject_type -> Text,
        subject_id -> Text,
        actor_id -> Nullable<Text>,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        event_id -> BigInt,
        consumer -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        subject_type -> Text,
        subject_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        detail -> Text,
    }
}

diesel::table! {
    subscriptions (consumer, kind) {
        consumer -> Text,
        kind -> Text,
    }
}

diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(offers -> organisations (provider_id));
diesel::joinable!(offer_translations -> offers (offer_id));
diesel::joinable!(deliveries -> events (event_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    user_roles,
    organisations,
    memberships,
    offers,
    offer_translations,
    events,
    deliveries,
    audit_log,
    subscriptions,
);
