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
        locked_until -> Nullable<Timestamp>,
        email_verified -> Bool,
        chamilo_user_id -> Nullable<BigInt>,
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
        rejection_reason -> Nullable<Text>,
        revision -> Nullable<Text>,
        revision_status -> Nullable<Text>,
        revision_reason -> Nullable<Text>,
        completion_rule -> Nullable<Text>,
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

diesel::table! {
    sessions (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        kind -> Text,
        csrf_token -> Text,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    email_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        purpose -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        email -> Text,
        ip -> Nullable<Text>,
        at -> Timestamp,
        success -> Bool,
    }
}

diesel::table! {
    consents (user_id, document, version) {
        user_id -> Text,
        document -> Text,
        version -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        payload -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oidc_clients (id) {
        id -> Text,
        name -> Text,
        secret_hash -> Nullable<Text>,
        redirect_uris -> Text,
        post_logout_redirect_uris -> Text,
        first_party -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oidc_codes (code_hash) {
        code_hash -> Text,
        client_id -> Text,
        session_id -> Text,
        redirect_uri -> Text,
        scope -> Text,
        nonce -> Nullable<Text>,
        code_challenge -> Nullable<Text>,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oidc_tokens (jti) {
        jti -> Text,
        code_hash -> Text,
        client_id -> Text,
        scope -> Text,
        session_id -> Text,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oidc_grants (user_id, client_id) {
        user_id -> Text,
        client_id -> Text,
        scope -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        private_key_encrypted -> Text,
        public_jwk -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    upstream_providers (id) {
        id -> Text,
        name -> Text,
        issuer -> Text,
        client_id -> Text,
        client_secret_encrypted -> Text,
        scopes -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    upstream_links (provider_id, subject) {
        provider_id -> Text,
        subject -> Text,
        user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    upstream_flows (state) {
        state -> Text,
        provider_id -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        return_to -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        scopes -> Text,
        provider_id -> Nullable<Text>,
        per_minute -> Integer,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        offer_id -> Text,
        user_id -> Text,
        applied_by -> Text,
        status -> Text,
        reason -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        completion_evidence -> Nullable<Text>,
    }
}

diesel::table! {
    offer_trainers (offer_id, trainer_id) {
        offer_id -> Text,
        trainer_id -> Text,
        confirmed -> Nullable<Bool>,
    }
}

diesel::table! {
    ratings (id) {
        id -> Text,
        offer_id -> Text,
        user_id -> Text,
        service_stars -> Integer,
        service_opinion -> Nullable<Text>,
        provider_stars -> Integer,
        provider_opinion -> Nullable<Text>,
        trainer_stars -> Integer,
        trainer_opinion -> Nullable<Text>,
        hidden_reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    announcements (id) {
        id -> Text,
        organisation_id -> Text,
        author_id -> Nullable<Text>,
        kind -> Text,
        title -> Text,
        persons -> Integer,
        subject -> Text,
        location -> Nullable<Text>,
        industry -> Text,
        content -> Text,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    email_opt_outs (user_id, kind) {
        user_id -> Text,
        kind -> Text,
    }
}

diesel::table! {
    reminders_sent (offer_id, user_id, reason) {
        offer_id -> Text,
        user_id -> Text,
        reason -> Text,
        sent_at -> Timestamp,
    }
}

diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(applications -> offers (offer_id));
diesel::joinable!(offer_trainers -> users (trainer_id));
diesel::joinable!(ratings -> offers (offer_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(offers -> organisations (provider_id));
diesel::joinable!(offer_translations -> offers (offer_id));
diesel::table! {
    qdr_versions (number) {
        number -> Integer,
        created_at -> Timestamp,
        built_from -> Timestamp,
        notes -> Text,
        content_hash -> Text,
        offer_count -> Integer,
        byte_size -> BigInt,
        excluded -> Text,
    }
}

diesel::table! {
    qdr_chunks (version, seq) {
        version -> Integer,
        seq -> Integer,
        data -> Binary,
    }
}

diesel::table! {
    qdr_attempts (id) {
        id -> BigInt,
        version -> Integer,
        at -> Timestamp,
        status -> Nullable<Integer>,
        ok -> Bool,
        response -> Text,
    }
}

diesel::table! {
    integration_secrets (name) {
        name -> Text,
        sealed -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    xapi_statements (id) {
        id -> Text,
        body -> Text,
        stored_at -> Timestamp,
        user_id -> Nullable<Text>,
        offer_id -> Nullable<Text>,
        kind -> Text,
        activity_name -> Nullable<Text>,
        score_percent -> Nullable<Double>,
    }
}

diesel::table! {
    oidc_refresh_tokens (token_hash) {
        token_hash -> Text,
        family -> Text,
        client_id -> Text,
        session_id -> Text,
        scope -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    polled_results (application_id, polled_at, kind) {
        application_id -> Text,
        polled_at -> Timestamp,
        kind -> Text,
        lp_id -> Nullable<BigInt>,
        value -> Double,
        body -> Text,
    }
}

diesel::table! {
    issuer_keys (id) {
        id -> Text,
        organisation_id -> Text,
        public_key -> Text,
        secret_sealed -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    badges (id) {
        id -> Text,
        offer_id -> Text,
        name -> Text,
        description -> Text,
        criteria -> Text,
        achievement_type -> Text,
        eqf_level -> Nullable<Integer>,
        ects -> Nullable<Double>,
        skills -> Text,
        image -> Nullable<Binary>,
        valid_days -> Nullable<Integer>,
        rule -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    credentials (id) {
        id -> Text,
        badge_id -> Text,
        application_id -> Text,
        user_id -> Text,
        organisation_id -> Text,
        status_index -> Integer,
        issued_at -> Timestamp,
        document -> Text,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::joinable!(qdr_chunks -> qdr_versions (version));
diesel::joinable!(qdr_attempts -> qdr_versions (version));
diesel::joinable!(deliveries -> events (event_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(email_tokens -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(oidc_codes -> sessions (session_id));
diesel::joinable!(oidc_tokens -> sessions (session_id));
diesel::joinable!(credentials -> badges (badge_id));

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
    sessions,
    refresh_tokens,
    email_tokens,
    login_attempts,
    consents,
    notifications,
    oidc_clients,
    oidc_codes,
    oidc_tokens,
    oidc_grants,
    signing_keys,
    upstream_providers,
    upstream_links,
    upstream_flows,
    api_keys,
    applications,
    offer_trainers,
    ratings,
    announcements,
    email_opt_outs,
    reminders_sent,
    qdr_versions,
    qdr_chunks,
    qdr_attempts,
    integration_secrets,
    xapi_statements,
    oidc_refresh_tokens,
    polled_results,
    issuer_keys,
    badges,
    credentials,
);
