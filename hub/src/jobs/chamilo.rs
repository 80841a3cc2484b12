//! Keeping Chamilo in step with the registry (chamilo.md's table), from the outbox: a confirmed
//! person gets an account, an approved offer a course, a confirmed trainer teaches it, an
//! accepted participant is enrolled (and the application becomes `enrolled` when Chamilo says
//! so), a cancelled one is unsubscribed.
//!
//! Each delivery reads the current state and brings Chamilo to it, so a repeat or a late delivery
//! does no harm: an account or course Chamilo has already is found, not made twice. What a step
//! needs from an earlier one (an enrolment needs the account and the course) it makes itself,
//! the same idempotent way, instead of failing while the other delivery waits its turn.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::watch;

use super::{Consumer, WorkerHandle};
use crate::config::Config;
use crate::crypto::Sealer;
use crate::db::outbox::Delivery;
use crate::db::Db;
use crate::domain::chamilo;
use crate::domain::completion::CompletionRule;
use crate::domain::events::EventKind;
use crate::domain::vocabulary::ApplicationStatus;
use crate::error::Error;
use adapters::chamilo::{ChamiloError, Client, NewUser};

pub struct Provisioning {
    db: Db,
    client: Client,
    /// Held while a course is looked for and made: the deliveries of one offer run
    /// concurrently, and two of them must not make two courses.
    making_course: tokio::sync::Mutex<()>,
    /// When Chamilo's security key is configured: learning-path progress by SOAP.
    soap: Option<adapters::chamilo::Soap>,
    sealer: Sealer,
}

/// Chamilo's name for a language the hub speaks.
fn chamilo_language(code: &str) -> &'static str {
    match code {
        "pl" => "polish",
        "it" => "italian",
        "el" => "greek",
        _ => "english",
    }
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl Provisioning {
    pub async fn new(config: &Config, db: Db, sealer: Sealer) -> Result<Option<Self>, Error> {
        let Some(settings) = &config.chamilo else {
            return Ok(None);
        };
        let kept = {
            let sealer = sealer.clone();
            db.run(move |conn| chamilo::saved_key(conn, &sealer))
                .await
                .unwrap_or(None)
        };
        let client = Client::new(
            &settings.url,
            settings.username.clone(),
            settings.password.clone(),
            kept,
            config.delivery_timeout * 4 / 5,
        )
        .map_err(|e| Error::Internal(format!("Chamilo client: {e}")))?;
        let soap = match &settings.security_key {
            Some(key) => Some(
                adapters::chamilo::Soap::new(
                    &settings.url,
                    key,
                    settings.caller_ip.as_deref(),
                    config.delivery_timeout * 4 / 5,
                )
                .map_err(|e| Error::Internal(format!("Chamilo SOAP client: {e}")))?,
            ),
            None => None,
        };
        Ok(Some(Self {
            db,
            client,
            making_course: tokio::sync::Mutex::new(()),
            soap,
            sealer,
        }))
    }

    /// The person as Chamilo is to know them; `None` when they are not to have an account
    /// (not confirmed, locked, erased).
    async fn learner(&self, user_id: &str) -> Result<Option<chamilo::Learner>, String> {
        let id = user_id.to_string();
        self.db
            .run(move |conn| chamilo::learner(conn, &id))
            .await
            .map_err(text)
    }

    /// The person's Chamilo id, making the account when Chamilo has none; `None` when the person
    /// is not to have one.
    async fn user(&self, user_id: &str) -> Result<Option<i64>, String> {
        match self.learner(user_id).await? {
            Some(learner) => self.account(&learner).await.map(Some),
            None => Ok(None),
        }
    }

    /// The learner's Chamilo id: the one stored, one Chamilo has by their login name, or a new
    /// account's.
    async fn account(&self, learner: &chamilo::Learner) -> Result<i64, String> {
        if let Some(known) = learner.chamilo_user_id {
            return Ok(known);
        }
        let chamilo_id = match self.existing_user(learner).await? {
            Some(id) => id,
            None => {
                let new = NewUser {
                    loginname: learner.email.clone(),
                    firstname: learner.first_name.clone(),
                    lastname: learner.last_name.clone(),
                    email: learner.email.clone(),
                    status: learner.status,
                    password: crate::crypto::random_token(),
                    hub_id: learner.id.clone(),
                    oauth2_id: learner.id.clone(),
                    language: Some(chamilo_language(&learner.language).to_string()),
                };
                match self.client.save_user(&new).await {
                    Ok(id) => id,
                    // Made by an attempt whose answer was lost: find it.
                    Err(ChamiloError::Refused { .. }) => self
                        .existing_user(learner)
                        .await?
                        .ok_or("Chamilo refused the account and has none by that name")?,
                    Err(e) => return Err(text(e)),
                }
            }
        };
        let id = learner.id.clone();
        self.db
            .run(move |conn| chamilo::set_chamilo_user(conn, &id, chamilo_id))
            .await
            .map_err(text)?;
        Ok(chamilo_id)
    }

    /// Brings the person's Chamilo account up to date (name, e-mail, status), making it if
    /// Chamilo has none yet.
    async fn update(&self, user_id: &str) -> Result<(), String> {
        let Some(learner) = self.learner(user_id).await? else {
            return Ok(());
        };
        if learner.chamilo_user_id.is_none() {
            return self.account(&learner).await.map(drop);
        }
        self.client
            .update_user(
                &learner.email,
                &[
                    ("firstname", learner.first_name.clone()),
                    ("lastname", learner.last_name.clone()),
                    ("email", learner.email.clone()),
                    ("status", learner.status.to_string()),
                    ("language", chamilo_language(&learner.language).to_string()),
                ],
            )
            .await
            .map_err(text)
    }

    /// An erased person's Chamilo account goes too. Chamilo keeps the only teacher of a
    /// course: that account is emptied of personal data and switched off instead.
    async fn erase(&self, user_id: &str) -> Result<(), String> {
        let id = user_id.to_string();
        let Some(chamilo_id) = self
            .db
            .run(move |conn| chamilo::erased_account(conn, &id))
            .await
            .map_err(text)?
        else {
            return Ok(());
        };
        if !self.client.delete_user(chamilo_id).await.map_err(text)? {
            // Gone already when Chamilo no longer lists it (a retry after a lost answer).
            if let Some(login) = self.client.username_of(chamilo_id).await.map_err(text)? {
                self.client
                    .update_user(
                        &login,
                        &[
                            ("firstname", "-".to_string()),
                            ("lastname", "-".to_string()),
                            ("email", format!("erased-{user_id}@invalid")),
                            ("phone", String::new()),
                            ("active", "0".to_string()),
                        ],
                    )
                    .await
                    .map_err(text)?;
            }
        }
        let id = user_id.to_string();
        self.db
            .run(move |conn| chamilo::forget_chamilo_user(conn, &id))
            .await
            .map_err(text)
    }

    /// The account Chamilo has by the learner's login name, when the hub made it (its
    /// `hub_id` is the learner's: an attempt whose answer was lost). An account someone else
    /// made under that name is never taken over: the delivery fails, saying so, for the
    /// operator to settle in Chamilo.
    async fn existing_user(&self, learner: &chamilo::Learner) -> Result<Option<i64>, String> {
        if !self
            .client
            .username_exists(&learner.email)
            .await
            .map_err(text)?
        {
            return Ok(None);
        }
        match self
            .client
            .user_by_login(&learner.email)
            .await
            .map_err(text)?
        {
            None => Ok(None),
            Some((id, Some(hub_id))) if hub_id == learner.id => Ok(Some(id)),
            Some((id, _)) => Err(format!(
                "Chamilo's account {id} has the login {} but was not made by the hub for this person",
                learner.email
            )),
        }
    }

    /// The offer's course code, making the course when it has none; `None` while the offer is
    /// not published.
    async fn course(&self, offer_id: &str) -> Result<Option<String>, String> {
        let id = offer_id.to_string();
        let Some(course) = self
            .db
            .run(move |conn| chamilo::course(conn, &id))
            .await
            .map_err(text)?
        else {
            return Ok(None);
        };
        if let Some(code) = course.code {
            return Ok(Some(code));
        }
        let _making = self.making_course.lock().await;
        let id = offer_id.to_string();
        if let Some(code) = self
            .db
            .run(move |conn| chamilo::course_code(conn, &id))
            .await
            .map_err(text)?
        {
            return Ok(Some(code));
        }
        let wanted = chamilo::wanted_code(offer_id);
        let code = if self.client.course_exists(&wanted).await.map_err(text)? {
            wanted
        } else {
            self.client
                .save_course(&course.title, &wanted, chamilo_language(&course.language))
                .await
                .map_err(text)?
                .code
        };
        let id = offer_id.to_string();
        let stored = self
            .db
            .run(move |conn| {
                chamilo::set_course_code(conn, &crate::domain::Actor::hub(), &id, &code)
            })
            .await
            .map_err(text)?;
        Ok(Some(stored))
    }

    async fn handle(&self, delivery: &Delivery) -> Result<(), String> {
        let subject = delivery.event.subject_id.as_str();
        let kind: EventKind = delivery.event.kind.parse().map_err(text)?;
        match kind {
            EventKind::AccountConfirmed | EventKind::AccountCreated => {
                let account = self.user(subject).await?;
                if account.is_some() {
                    // Accepted before the account could be made: enrolled now.
                    let user = subject.to_string();
                    let waiting = self
                        .db
                        .run(move |conn| chamilo::accepted_of(conn, &user))
                        .await
                        .map_err(text)?;
                    for application in waiting {
                        self.application(&application).await?;
                    }
                }
            }
            EventKind::AccountUpdated => self.update(subject).await?,
            EventKind::AccountErased => self.erase(subject).await?,
            // Its staff teach from now on: Chamilo's status follows.
            EventKind::OrganisationConfirmed => {
                let org = vec![subject.to_string()];
                let staff = self
                    .db
                    .run(move |conn| crate::domain::organisations::staff_ids(conn, &org))
                    .await
                    .map_err(text)?;
                for person in staff {
                    self.update(&person).await?;
                }
            }
            // A trainer may confirm before the offer is approved: approval subscribes them.
            EventKind::OfferPublished | EventKind::OfferTrainerAnswered => {
                self.course(subject).await?;
                let offer = subject.to_string();
                let trainers = self
                    .db
                    .run(move |conn| chamilo::confirmed_trainers(conn, &offer))
                    .await
                    .map_err(text)?;
                if trainers.is_empty() {
                    return Ok(());
                }
                let Some(code) = self.course(subject).await? else {
                    return Ok(());
                };
                for trainer in trainers {
                    if let Some(id) = self.user(&trainer).await? {
                        self.subscribe(&code, id, 1).await?;
                    }
                }
            }
            EventKind::ApplicationStatus => self.application(subject).await?,
            _ => {}
        }
        Ok(())
    }

    async fn application(&self, id: &str) -> Result<(), String> {
        let app = id.to_string();
        let Some((user, offer, status)) = self
            .db
            .run(move |conn| chamilo::application(conn, &app))
            .await
            .map_err(text)?
        else {
            return Ok(());
        };
        match status {
            ApplicationStatus::Accepted => {
                let chamilo_user = self
                    .user(&user)
                    .await?
                    .ok_or("the participant has no confirmed account yet")?;
                let code = self
                    .course(&offer)
                    .await?
                    .ok_or("the offer is not published")?;
                self.subscribe(&code, chamilo_user, 5).await?;
                let app = id.to_string();
                let enrolled = self
                    .db
                    .run(move |conn| chamilo::enrolled(conn, &app))
                    .await
                    .map_err(text)?;
                if !enrolled {
                    // Cancelled while Chamilo enrolled them: undone here, as the cancellation's
                    // own delivery may have come first.
                    let app = id.to_string();
                    let now = self
                        .db
                        .run(move |conn| chamilo::application(conn, &app))
                        .await
                        .map_err(text)?;
                    if matches!(now, Some((_, _, ApplicationStatus::Cancelled))) {
                        self.unsubscribe(&code, chamilo_user).await?;
                    }
                }
            }
            ApplicationStatus::Cancelled => {
                let (uid, oid) = (user.clone(), offer.clone());
                let known = self
                    .db
                    .run(move |conn| {
                        Ok((
                            chamilo::learner(conn, &uid)?.and_then(|l| l.chamilo_user_id),
                            chamilo::course_code(conn, &oid)?,
                        ))
                    })
                    .await
                    .map_err(text)?;
                if let (Some(chamilo_user), Some(code)) = known {
                    self.unsubscribe(&code, chamilo_user).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Subscribes the user to the course. Chamilo answers `false` both to a refusal and to a
    /// subscription it has already (a repeated delivery whose first answer was lost): asked
    /// which, only a refusal fails.
    async fn subscribe(&self, code: &str, user: i64, status: u8) -> Result<(), String> {
        if self
            .client
            .subscribe(code, user, status)
            .await
            .map_err(text)?
        {
            return Ok(());
        }
        match self.client.is_subscribed(code, user).await.map_err(text)? {
            true => Ok(()),
            false => Err("Chamilo did not subscribe the user to the course".into()),
        }
    }

    /// Unsubscribes the user from the course. Chamilo answers `false` both to a refusal and to
    /// a user it had not subscribed (never enrolled, or a repeat whose first answer was lost):
    /// asked which, only a user still subscribed fails.
    async fn unsubscribe(&self, code: &str, user: i64) -> Result<(), String> {
        if self.client.unsubscribe(code, user).await.map_err(text)? {
            return Ok(());
        }
        match self.client.is_subscribed(code, user).await.map_err(text)? {
            false => Ok(()),
            true => Err("Chamilo did not unsubscribe the user from the course".into()),
        }
    }

    /// Keeps the api key Chamilo gave, sealed, when it changed.
    async fn keep_key(&self, before: Option<String>) {
        let now = self.client.key().await;
        if now.is_some() && now != before {
            let sealer = self.sealer.clone();
            let key = now.unwrap_or_default();
            if let Err(e) = self
                .db
                .run(move |conn| chamilo::save_key(conn, &sealer, &key))
                .await
            {
                tracing::warn!(error = %e, "Chamilo api key not kept");
            }
        }
    }
}

impl Provisioning {
    /// Asks Chamilo for the tests each participant still in progress took in the offer's course
    /// (REST `user_courses_by_dates`), keeps a changed average score, and completes the
    /// trainings whose rule it meets. How many it completed.
    pub async fn poll(&self) -> Result<usize, Error> {
        let open = self.db.run(chamilo::in_progress).await?;
        let until = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).to_string();
        let mut completed = 0;
        let mut paths = HashMap::new();
        for e in open {
            let taken = match self
                .client
                .taken_tests(e.chamilo_user_id, &e.since.to_string(), &until)
                .await
            {
                Ok(taken) => taken,
                Err(error) => {
                    tracing::warn!(application = %e.application_id, %error, "Chamilo results not polled");
                    continue;
                }
            };
            for (code, score, body) in taken {
                let (Some(score), true) = (score, code == e.course_code) else {
                    continue;
                };
                let id = e.application_id.clone();
                let result = chamilo::Polled::QuizAverage(score);
                if self
                    .db
                    .run(move |conn| chamilo::record_poll(conn, &id, result, &body))
                    .await?
                {
                    completed += 1;
                }
            }
            if let Some(soap) = &self.soap {
                completed += self.poll_learning_paths(soap, &e, &mut paths).await?;
            }
        }
        Ok(completed)
    }

    /// The progress, by SOAP, of each learning path of the course the offer's rule counts:
    /// the one it names by id, else those Chamilo lists (by title for a named path, every one
    /// for "any"). `paths` keeps each course's list for the round.
    async fn poll_learning_paths(
        &self,
        soap: &adapters::chamilo::Soap,
        e: &chamilo::InProgress,
        paths: &mut HashMap<String, Vec<(i64, String)>>,
    ) -> Result<usize, Error> {
        let id = e.application_id.clone();
        let rule = self.db.run(move |conn| chamilo::rule_of(conn, &id)).await?;
        let wanted = match &rule {
            CompletionRule::QuizScore { .. } => return Ok(0),
            CompletionRule::LearningPath {
                name,
                lp_id: Some(lp),
            } => vec![(*lp, name.clone())],
            _ => {
                if !paths.contains_key(&e.course_code) {
                    match self.client.learning_paths(&e.course_code).await {
                        Ok(list) => paths.insert(e.course_code.clone(), list),
                        Err(error) => {
                            tracing::warn!(course = %e.course_code, %error, "learning paths not listed");
                            return Ok(0);
                        }
                    };
                }
                paths[&e.course_code]
                    .iter()
                    .filter(|(id, title)| rule.counts_path(*id, Some(title)))
                    .cloned()
                    .collect()
            }
        };
        let mut completed = 0;
        for (lp_id, title) in wanted {
            let percent = match soap.lp_progress(&e.course_code, lp_id, &e.email).await {
                Ok(p) => p,
                Err(error) => {
                    tracing::warn!(application = %e.application_id, %error, "learning path progress not polled");
                    continue;
                }
            };
            let id = e.application_id.clone();
            let body =
                serde_json::json!({ "WSGetLpProgress": percent, "lp_id": lp_id, "title": title });
            let result = chamilo::Polled::LpProgress { lp_id, percent };
            if self
                .db
                .run(move |conn| chamilo::record_poll(conn, &id, result, &body))
                .await?
            {
                completed += 1;
            }
        }
        Ok(completed)
    }
}

/// Polls Chamilo every `every` until stopped (chamilo.md, "Learning results back", pull).
pub fn start_polling(provisioning: Arc<Provisioning>, every: Duration) -> WorkerHandle {
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        loop {
            match provisioning.poll().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(completed = n, "Chamilo results polled"),
                Err(e) => tracing::warn!(error = %e, "polling Chamilo failed; next round retries"),
            }
            tokio::select! {
                _ = stopped.changed() => break,
                _ = tokio::time::sleep(every) => {}
            }
        }
    });
    WorkerHandle::new(stop, task)
}

impl Consumer for Provisioning {
    fn name(&self) -> &'static str {
        "chamilo"
    }

    fn kinds(&self) -> &'static [EventKind] {
        &[
            EventKind::AccountCreated,
            EventKind::AccountConfirmed,
            EventKind::AccountUpdated,
            EventKind::AccountErased,
            EventKind::OrganisationConfirmed,
            EventKind::OfferPublished,
            EventKind::OfferTrainerAnswered,
            EventKind::ApplicationStatus,
        ]
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let before = self.client.key().await;
            let outcome = self.handle(delivery).await;
            self.keep_key(before).await;
            outcome
        })
    }
}
