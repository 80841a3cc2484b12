//! The command line (api.md, Command line): `hub serve` (default), `hub migrate`,
//! `hub demo-data`, `hub admin create`, `hub check-config`. Each command reads the one config.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, Origin};
use crate::db::{self, Db};
use crate::domain::accounts::{self, NewUser};
use crate::domain::vocabulary::Role;
use crate::domain::Actor;
use crate::error::Error;
use crate::{demo, logging, server};

#[derive(Parser)]
#[command(name = "hub", version, about = "Training Registry Hub")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP (the default): migrate, seed demo data on an empty database, then listen.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create the demo organisations, users and offers unless they exist.
    DemoData,
    /// Administrative tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Show every setting, its value, where it came from and what it does.
    CheckConfig,
    /// OpenID Connect clients (relying parties such as Chamilo).
    OidcClient {
        #[command(subcommand)]
        command: OidcClientCommand,
    },
    /// The ID-token signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum OidcClientCommand {
    /// Register a client; prints {"client_id", "client_secret"} as JSON.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// Skip the consent screen (the hub's own services, such as Chamilo).
        #[arg(long)]
        first_party: bool,
        /// No secret: the client must use PKCE.
        #[arg(long)]
        public: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add an ID-token signing key; the old one stays published until the tokens it signed
    /// expire. With --provider, rotate that organisation's badge key instead: the old key stays
    /// in its issuer profile, so the badges it signed still verify.
    Rotate {
        /// A provider organisation's id.
        #[arg(long)]
        provider: Option<String>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a superadmin; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        /// Read the password from standard input (so it never appears in shell history).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long, default_value = "Hub")]
        first_name: String,
        #[arg(long, default_value = "Administrator")]
        last_name: String,
        #[arg(long, default_value = "en")]
        language: String,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    logging::init(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            if let Error::Validation(fields) = &e {
                for f in fields {
                    eprintln!("  {}: {}", f.field, f.message);
                }
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> Result<(), Error> {
    match command {
        Command::Serve => {
            config
                .resolve_master_key()
                .map_err(|e| Error::Internal(format!("master key: {e}")))?;
            let (db, credentials) = server::prepare(&config).await?;
            if let Some(credentials) = credentials {
                println!("{}", demo::describe(&credentials));
            }
            let running = server::start(config, db, None, Vec::new()).await?;
            println!("Training Registry Hub on http://{}/", running.addr);
            running.until_signal().await;
            Ok(())
        }
        Command::Migrate => {
            let db = Db::connect(&config.database_url, 1)?;
            let ran = db.run(db::migrate).await?;
            println!("{ran} migration(s) applied on {}", db.backend().name());
            Ok(())
        }
        Command::DemoData => {
            let db = Db::connect(&config.database_url, 2)?;
            db.run(db::migrate).await?;
            match db.run(demo::ensure).await? {
                Some(credentials) => println!("{}", demo::describe(&credentials)),
                None => println!("demo data already present; nothing changed"),
            }
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    email,
                    password_stdin: _,
                    first_name,
                    last_name,
                    language,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| Error::Internal(format!("reading standard input: {e}")))?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            accounts::check_password_policy(&password, &email)
                .map_err(|f| Error::Validation(vec![f]))?;
            let hash = tokio::task::spawn_blocking(move || accounts::hash_password(&password))
                .await
                .map_err(|e| Error::Internal(e.to_string()))??;
            let db = Db::connect(&config.database_url, 1)?;
            db.run(db::migrate).await?;
            let id = db
                .run(move |conn| {
                    let new = NewUser {
                        email: &email,
                        password_hash: Some(hash),
                        first_name: &first_name,
                        last_name: &last_name,
                        language: &language,
                        roles: &[Role::Superadmin],
                        confirmed: true,
                    };
                    accounts::create_superadmin(conn, &new, "cli", &Actor::hub())
                })
                .await?;
            println!("superadmin created: {id}");
            Ok(())
        }
        Command::OidcClient {
            command:
                OidcClientCommand::Add {
                    name,
                    redirect_uris,
                    post_logout_redirect_uris,
                    first_party,
                    public,
                },
        } => {
            let db = Db::connect(&config.database_url, 1)?;
            db.run(db::migrate).await?;
            let created = db
                .run(move |conn| {
                    crate::domain::oidc::create_client(
                        conn,
                        &name,
                        &redirect_uris,
                        &post_logout_redirect_uris,
                        first_party,
                        public,
                        &Actor::hub(),
                    )
                })
                .await?;
            println!("{}", serde_json::to_string(&created)?);
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Rotate { provider },
        } => {
            let master = config
                .resolve_master_key()
                .map_err(|e| Error::Internal(format!("master key: {e}")))?;
            let db = Db::connect(&config.database_url, 1)?;
            db.run(db::migrate).await?;
            if let Some(provider) = provider {
                let sealer = crate::crypto::Sealer::new(&master);
                let key = db
                    .run(move |conn| {
                        crate::domain::badges::keys::rotate(conn, &sealer, &provider, &Actor::hub())
                    })
                    .await?;
                println!("new badge key {key}; the previous one stays in the issuer's profile");
                return Ok(());
            }
            let keys = crate::domain::oidc::Keys::new(crate::crypto::Sealer::new(&master));
            let kid = db.run(move |conn| keys.rotate(conn)).await?;
            println!(
                "new signing key {kid}; the previous one stays in the JWKS until its tokens expire"
            );
            Ok(())
        }
        Command::CheckConfig => {
            println!("{:<26} {:<12} {:<40} meaning", "setting", "from", "value");
            for s in config.explain() {
                let origin = match s.origin {
                    Origin::Environment => "environment",
                    Origin::File => "hub.toml",
                    Origin::Default => "default",
                };
                println!("{:<26} {:<12} {:<40} {}", s.env, origin, s.value, s.doc);
            }
            Ok(())
        }
    }
}
