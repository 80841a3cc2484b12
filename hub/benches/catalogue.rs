//! Catalogue search under load: `cargo bench --bench catalogue` makes a PostgreSQL database of
//! 100,000 published offers (each in pl, en, it and el), starts the release `hub` binary on it,
//! and drives `GET /api/offers` from 100 and then 3,000 concurrent connections, printing
//! requests per second and latency percentiles. Before the load it times SPARQL browse queries
//! (by provider, by ESCO skill, by EQF level and mode, a partner's combined one, a COUNT), one at a time,
//! and the QDR dataset: how long the hub takes to make its first LOQ version, how long the
//! download takes, and the export itself run in this process, with its time and peak extra memory.
//!
//! Two mixes run at each level: `popular` draws from a few hundred distinct searches (text in four
//! languages, filters, sorts, pages), as real visitors do, so the public-read cache answers most;
//! `unique` makes every request a search never seen before (a random price bound), so each one
//! runs the whole search and reads its page from PostgreSQL.
//!
//! Requests ask for gzip, as browsers and widgets do. The load generator runs on the same machine as the hub and PostgreSQL and shares their cores,
//! so the figures are a floor. Settings: `HUB_BENCH_POSTGRES_URL` (an administrative database
//! URL; default `postgres://postgres@127.0.0.1:5432/postgres`), `HUB_BENCH_OFFERS` (100000),
//! `HUB_BENCH_SECONDS` (10 per run).

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};

const PROVIDERS: usize = 60;
/// Distinct ESCO skills the offers teach, one each.
const SKILLS: usize = 50;
const ESCO: &str = "http://data.europa.eu/esco/skill/";
const LANGUAGES: [&str; 4] = ["pl", "en", "it", "el"];
const INDUSTRIES: [&str; 8] = [
    "IT",
    "finance",
    "HR",
    "customer service",
    "soft skills",
    "languages",
    "logistics",
    "sales",
];
const CITIES: [(&str, &str); 12] = [
    ("Warszawa", "PL"),
    ("Kraków", "PL"),
    ("Łódź", "PL"),
    ("Wrocław", "PL"),
    ("Gdańsk", "PL"),
    ("Αθήνα", "GR"),
    ("Θεσσαλονίκη", "GR"),
    ("Roma", "IT"),
    ("Milano", "IT"),
    ("Torino", "IT"),
    ("Dublin", "IE"),
    ("Cork", "IE"),
];

/// Per language: subjects, qualifiers and description sentences that titles and texts are
/// combined from (20 × 12 titles per language, 10 × 10 descriptions).
struct Vocabulary {
    language: &'static str,
    subjects: [&'static str; 20],
    qualifiers: [&'static str; 12],
    sentences: [&'static str; 10],
}

const VOCABULARY: [Vocabulary; 4] = [
    Vocabulary {
        language: "pl",
        subjects: [
            "Zarządzanie projektami",
            "Analiza danych w Excelu",
            "Obsługa klienta",
            "Rachunkowość zarządcza",
            "Programowanie w Pythonie",
            "Przywództwo zespołowe",
            "Negocjacje handlowe",
            "Bezpieczeństwo informacji",
            "Komunikacja interpersonalna",
            "Język angielski w biznesie",
            "Logistyka magazynowa",
            "Sprzedaż doradcza",
            "Rekrutacja i selekcja",
            "Controlling finansowy",
            "Automatyzacja procesów",
            "Zarządzanie czasem",
            "Obsługa wózków widłowych",
            "Wirtualna rzeczywistość w szkoleniach",
            "Prawo pracy",
            "Księgowość cyfrowa",
        ],
        qualifiers: [
            "dla początkujących",
            "dla zaawansowanych",
            "w praktyce",
            "z certyfikatem",
            "w centrach usług",
            "dla kadry kierowniczej",
            "krok po kroku",
            "w zespołach rozproszonych",
            "z elementami VR",
            "dla specjalistów",
            "w małych firmach",
            "warsztaty intensywne",
        ],
        sentences: [
            "Praktyczne ćwiczenia na rzeczywistych przypadkach.",
            "Zajęcia prowadzą doświadczeni trenerzy.",
            "Uczestnicy otrzymują zaświadczenie ukończenia.",
            "Szkolenie obejmuje studia przypadków i symulacje.",
            "Materiały dostępne na platformie Chamilo.",
            "Program zgodny z potrzebami pracodawców.",
            "Nacisk na umiejętności miękkie i współpracę.",
            "Ćwiczenia w goglach wirtualnej rzeczywistości.",
            "Małe grupy i indywidualne konsultacje.",
            "Walidacja efektów uczenia się testem końcowym.",
        ],
    },
    Vocabulary {
        language: "en",
        subjects: [
            "Project management",
            "Data analysis in Excel",
            "Customer service",
            "Management accounting",
            "Python programming",
            "Team leadership",
            "Sales negotiation",
            "Information security",
            "Interpersonal communication",
            "Business English",
            "Warehouse logistics",
            "Consultative selling",
            "Recruitment and selection",
            "Financial controlling",
            "Process automation",
            "Time management",
            "Forklift operation",
            "Virtual reality in training",
            "Employment law",
            "Digital bookkeeping",
        ],
        qualifiers: [
            "for beginners",
            "for advanced learners",
            "in practice",
            "with certificate",
            "in shared services",
            "for managers",
            "step by step",
            "in remote teams",
            "with VR exercises",
            "for specialists",
            "in small companies",
            "intensive workshops",
        ],
        sentences: [
            "Hands-on exercises on real cases.",
            "Led by experienced trainers.",
            "Participants receive a certificate of completion.",
            "Includes case studies and simulations.",
            "Materials available on the Chamilo platform.",
            "Designed with employers' needs in mind.",
            "Focus on soft skills and collaboration.",
            "Exercises with virtual reality headsets.",
            "Small groups and individual coaching.",
            "Learning outcomes validated by a final test.",
        ],
    },
    Vocabulary {
        language: "it",
        subjects: [
            "Gestione dei progetti",
            "Analisi dei dati con Excel",
            "Servizio clienti",
            "Contabilità direzionale",
            "Programmazione in Python",
            "Leadership del gruppo",
            "Negoziazione commerciale",
            "Sicurezza delle informazioni",
            "Comunicazione interpersonale",
            "Inglese commerciale",
            "Logistica di magazzino",
            "Vendita consulenziale",
            "Reclutamento e selezione",
            "Controllo di gestione",
            "Automazione dei processi",
            "Gestione del tempo",
            "Conduzione di carrelli elevatori",
            "Realtà virtuale nella formazione",
            "Diritto del lavoro",
            "Contabilità digitale",
        ],
        qualifiers: [
            "per principianti",
            "per esperti",
            "in pratica",
            "con certificato",
            "nei centri servizi",
            "per dirigenti",
            "passo dopo passo",
            "nei gruppi remoti",
            "con esercizi in realtà virtuale",
            "per specialisti",
            "nelle piccole imprese",
            "laboratori intensivi",
        ],
        sentences: [
            "Esercitazioni pratiche su casi reali.",
            "Condotto da formatori esperti.",
            "I partecipanti ricevono un attestato di frequenza.",
            "Comprende casi di studio e simulazioni.",
            "Materiali disponibili sulla piattaforma Chamilo.",
            "Pensato per le esigenze delle imprese.",
            "Attenzione alle competenze trasversali e alla collaborazione.",
            "Esercizi con visori di realtà virtuale.",
            "Piccoli gruppi e tutoraggio individuale.",
            "Risultati convalidati da una prova finale.",
        ],
    },
    Vocabulary {
        language: "el",
        subjects: [
            "Διαχείριση έργων",
            "Ανάλυση δεδομένων στο Excel",
            "Εξυπηρέτηση πελατών",
            "Διοικητική λογιστική",
            "Προγραμματισμός σε Python",
            "Ηγεσία ομάδας",
            "Εμπορικές διαπραγματεύσεις",
            "Ασφάλεια πληροφοριών",
            "Διαπροσωπική επικοινωνία",
            "Επιχειρηματικά αγγλικά",
            "Εφοδιαστική αποθήκης",
            "Συμβουλευτικές πωλήσεις",
            "Προσλήψεις και επιλογή",
            "Οικονομικός έλεγχος",
            "Αυτοματοποίηση διαδικασιών",
            "Διαχείριση χρόνου",
            "Χειρισμός περονοφόρων",
            "Εικονική πραγματικότητα στην εκπαίδευση",
            "Εργατικό δίκαιο",
            "Ψηφιακή τήρηση βιβλίων",
        ],
        qualifiers: [
            "για αρχάριους",
            "για προχωρημένους",
            "στην πράξη",
            "με πιστοποιητικό",
            "σε κέντρα υπηρεσιών",
            "για στελέχη",
            "βήμα προς βήμα",
            "σε απομακρυσμένες ομάδες",
            "με ασκήσεις εικονικής πραγματικότητας",
            "για ειδικούς",
            "σε μικρές επιχειρήσεις",
            "εντατικά εργαστήρια",
        ],
        sentences: [
            "Πρακτικές ασκήσεις σε πραγματικές περιπτώσεις.",
            "Με έμπειρους εκπαιδευτές.",
            "Οι συμμετέχοντες λαμβάνουν βεβαίωση παρακολούθησης.",
            "Περιλαμβάνει μελέτες περιπτώσεων και προσομοιώσεις.",
            "Υλικό διαθέσιμο στην πλατφόρμα Chamilo.",
            "Σχεδιασμένο για τις ανάγκες των εργοδοτών.",
            "Έμφαση στις ήπιες δεξιότητες και τη συνεργασία.",
            "Ασκήσεις με γυαλιά εικονικής πραγματικότητας.",
            "Μικρές ομάδες και ατομική καθοδήγηση.",
            "Επικύρωση μαθησιακών αποτελεσμάτων με τελικό τεστ.",
        ],
    },
];

/// Searches people make: words of every language (with and without accents), filters, sorts,
/// later pages.
const POPULAR: [&str; 24] = [
    "q=excel",
    "q=zarzadzanie+projektami",
    "q=zarządzanie",
    "q=obsluga+klienta&city=Warszawa",
    "q=python&sort=price:asc",
    "q=leadership+managers",
    "q=negoziazione",
    "q=διαχείριση",
    "q=διαχειριση+εργων",
    "q=virtual+reality&vr_ar=true",
    "q=wirtualna+rzeczywistość",
    "industry=IT",
    "industry=finance&mode=online",
    "language=el&sort=title:asc&lang=el",
    "country=PL&eqf_level=5",
    "microcredential=true&sort=start_date:desc",
    "city=lodz",
    "mode=hybrid&page=3",
    "sort=price:desc",
    "page=50",
    "q=certificate&page=2",
    "q=formazione&language=it",
    "q=certyfikatem+praktyce",
    "",
];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

fn setting(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn sql_array(items: &[&str]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| format!("'{}'", s.replace('\'', "''")))
        .collect();
    format!("ARRAY[{}]", quoted.join(","))
}

/// Fills the database with `n` published offers by set-based SQL (seconds, not minutes).
fn generate(conn: &mut PgConnection, n: usize) {
    let exec = |conn: &mut PgConnection, sql: String| {
        diesel::sql_query(sql).execute(conn).unwrap();
    };
    exec(
        conn,
        format!(
            "INSERT INTO organisations (id, kind, name, city, country, website, status, created_at, updated_at)
             SELECT 'bench-provider-' || g, 'provider', 'Akademia ' || g,
                 (ARRAY['Warszawa','Milano','Athina'])[g % 3 + 1], (ARRAY['PL','IT','GR'])[g % 3 + 1],
                 'https://provider-' || g || '.example/', 'confirmed', now(), now()
             FROM generate_series(1, {PROVIDERS}) g"
        ),
    );
    let cities: Vec<&str> = CITIES.iter().map(|c| c.0).collect();
    let countries: Vec<&str> = CITIES.iter().map(|c| c.1).collect();
    exec(
        conn,
        format!(
            "INSERT INTO offers (id, status, provider_id, default_language, industry, languages, mode,
                 vr_ar, city, country, isced_f_code, start_date, end_date, hours, price_minor, price_currency,
                 eqf_level, esco_skills, min_participants, max_participants, microcredential,
                 created_at, updated_at, published_at)
             SELECT md5('offer' || g)::uuid::text, 'published', 'bench-provider-' || (g % {PROVIDERS} + 1),
                 ({langs})[g % 4 + 1], ({industries})[g % 8 + 1],
                 '[\"' || ({langs})[g % 4 + 1] || '\"]', ({modes})[(g / 4) % 4 + 1],
                 g % 7 = 0, ({cities})[g % 12 + 1], ({countries})[g % 12 + 1],
                 (ARRAY['0411','0413','0414','0415','0416','0417','0488','0613'])[g % 8 + 1],
                 current_date + 10 + g % 365, current_date + 12 + g % 365, 8 + g % 40,
                 10000 + (g * 7919) % 900000, (ARRAY['PLN','EUR'])[g % 2 + 1],
                 g % 8 + 1, '[\"{ESCO}00000000-0000-4000-8000-' || lpad((g % {SKILLS})::text, 12, '0') || '\"]',
                 3, 20, g % 5 = 0,
                 now() - make_interval(mins => g), now(), now()
             FROM generate_series(1, {n}) g",
            langs = sql_array(&LANGUAGES),
            industries = sql_array(&INDUSTRIES),
            modes = sql_array(&["onsite", "online", "hybrid", "blended"]),
            cities = sql_array(&cities),
            countries = sql_array(&countries),
        ),
    );
    for v in &VOCABULARY {
        exec(
            conn,
            format!(
                "INSERT INTO offer_translations (offer_id, language, title, description)
                 SELECT md5('offer' || g)::uuid::text, '{lang}',
                     ({subjects})[g % 20 + 1] || ' ' || ({qualifiers})[(g / 20) % 12 + 1],
                     ({sentences})[g % 10 + 1] || ' ' || ({sentences})[(g / 10) % 10 + 1]
                 FROM generate_series(1, {n}) g",
                lang = v.language,
                subjects = sql_array(&v.subjects),
                qualifiers = sql_array(&v.qualifiers),
                sentences = sql_array(&v.sentences),
            ),
        );
    }
    exec(conn, "ANALYZE".into());
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Hub {
    child: Child,
    base: String,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

async fn run() {
    let admin_url = setting(
        "HUB_BENCH_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    );
    let n: usize = setting("HUB_BENCH_OFFERS", "100000").parse().unwrap();
    let seconds: u64 = setting("HUB_BENCH_SECONDS", "10").parse().unwrap();
    let db = BenchDb::create(&admin_url);
    measure(&db.url, n, seconds).await;
}

/// A database of the benchmark's own, dropped however the benchmark ends.
struct BenchDb {
    admin_url: String,
    name: String,
    url: String,
}

impl BenchDb {
    fn create(admin_url: &str) -> Self {
        let name = format!("hub_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(admin_url).expect("PostgreSQL for the benchmark");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .unwrap();
        let mut url = url::Url::parse(admin_url).unwrap();
        url.set_path(&name);
        Self {
            admin_url: admin_url.to_string(),
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin);
        }
    }
}

async fn measure(url: &str, n: usize, seconds: u64) {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = hub::db::Db::connect(url, 1).unwrap();
        db.run(hub::db::migrate).await.unwrap();
        let mut conn = PgConnection::establish(url).unwrap();
        let t = Instant::now();
        generate(&mut conn, n);
        println!(
            "generated {n} offers (× 4 languages) in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_hub"))
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("HUB_BIND", format!("127.0.0.1:{port}"))
        .env("HUB_BASE_URL", format!("{base}/"))
        .env("HUB_DATA_DIR", dir.path())
        .env("HUB_DEMO_DATA", "false")
        .env("HUB_LOG", "warn")
        .env("HUB_RATE_PER_MINUTE", "100000000")
        .env("HUB_SPARQL_TIMEOUT_MS", "60000")
        .env("HUB_SPARQL_MAX_RESULTS", "1000000")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let hub = Hub { child, base };
    let probe = reqwest::Client::new();
    loop {
        let ready = probe.get(format!("{}/readyz", hub.base)).send().await;
        if ready.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the hub did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pid = hub.child.id();
    println!(
        "hub ready (search index of {n} offers built) in {:.1} s; RSS {:.0} MB",
        started.elapsed().as_secs_f64(),
        rss_mb(pid)
    );
    let (_, total) = one(&probe, &hub.base, "").await;
    assert_eq!(total, n as i64, "every offer is in the catalogue");
    // Where a request's time goes, one request at a time (medians of 21 never-cached requests):
    // the search alone (a page past the end reads nothing from SQL), then with its page.
    for (what, q) in [
        ("search, all offers", "page=999999"),
        ("search, text", "q=zarzadzanie+projektami&page=999999"),
        ("search, text (el)", "q=διαχειριση+εργων&page=999999"),
        ("search + page of 20", ""),
        ("text search + page of 20", "q=excel+praktyce"),
    ] {
        let mut times = Vec::new();
        let mut bytes = 0;
        for i in 0..21 {
            let url = format!(
                "{}/api/offers?{q}&price_max={}.{:02}",
                hub.base,
                100_000 + i,
                i
            );
            let t = Instant::now();
            let res = probe.get(url).send().await.unwrap();
            assert_eq!(res.status(), 200);
            bytes = res.bytes().await.unwrap().len();
            times.push(t.elapsed());
        }
        times.sort_unstable();
        println!("  {what:<26} {:>9.2?}  ({bytes} bytes)", times[10]);
    }
    qdr(&probe, &hub.base, url, started).await;
    rebuild(url).await;
    sparql(&probe, &hub.base, n).await;
    println!(
        "{:<8} {:>6} {:>10} {:>10} {:>10} {:>10} {:>8} {:>9}",
        "mix", "conns", "req/s", "p50", "p99", "max", "errors", "RSS after"
    );
    for connections in [100usize, 3000] {
        for mix in [Mix::Popular, Mix::Unique] {
            let r = load(&hub.base, connections, mix, Duration::from_secs(seconds)).await;
            println!(
                "{:<8} {:>6} {:>10.0} {:>10.1?} {:>10.1?} {:>10.1?} {:>8} {:>6.0} MB",
                mix.name(),
                connections,
                r.per_second,
                r.p50,
                r.p99,
                r.max,
                r.errors,
                rss_mb(pid)
            );
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("hub RSS two seconds later: {:.0} MB", rss_mb(pid));
}

/// The QDR dataset at this size: the hub's own first version (made in the background after
/// start), its download, and the LOQ export run here, sampling this process's memory.
async fn qdr(client: &reqwest::Client, base: &str, db_url: &str, started: Instant) {
    let url = format!("{base}/qdr/learning-opportunities.xml");
    loop {
        let res = client.get(&url).send().await.unwrap();
        if res.status() == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "no QDR version"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "QDR: the hub's first dataset version served {:.1} s after start",
        started.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let res = client
        .get(&url)
        .header("accept-encoding", "identity")
        .send()
        .await
        .unwrap();
    let mut res = res;
    let mut bytes = 0usize;
    while let Some(piece) = res.chunk().await.unwrap() {
        bytes += piece.len();
    }
    println!(
        "  download, unpacked:        {:>7.2} s for {:.0} MB",
        t.elapsed().as_secs_f64(),
        bytes as f64 / 1e6
    );

    let db = hub::db::Db::connect(db_url, 1).unwrap();
    let me = std::process::id();
    let before = rss_mb(me);
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = before;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(rss_mb(me));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let t = Instant::now();
    let doc = db
        .run(|conn| hub::domain::qdr::build(conn, "https://bench.example"))
        .await
        .unwrap();
    let took = t.elapsed();
    done.store(true, Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    assert!(
        doc.excluded.is_empty(),
        "left out: {:?}",
        &doc.excluded[..1]
    );
    println!(
        "  LOQ export of {} offers:  {:>7.2} s, {:.0} MB of XML ({:.0} MB gzip); peak extra memory {:.0} MB",
        doc.offer_count,
        took.as_secs_f64(),
        doc.byte_size as f64 / 1e6,
        doc.compressed_bytes() as f64 / 1e6,
        peak - before
    );
}

/// The linked-data projection rebuilt from SQL in this process, as a hub does at start: its time,
/// its size, and the memory it holds.
async fn rebuild(db_url: &str) {
    use hub::jobs::tail::Projection;
    let db = hub::db::Db::connect(db_url, 2).unwrap();
    let before = rss_mb(std::process::id());
    let data = hub::jobs::linked_data::LinkedData::new("https://bench.example").unwrap();
    let t = Instant::now();
    data.load(&db).await.unwrap();
    println!(
        "  RDF projection rebuilt:    {:>7.2} s, {} quads, +{:.0} MB",
        t.elapsed().as_secs_f64(),
        data.store().len().unwrap(),
        rss_mb(std::process::id()) - before
    );
}

/// Browse queries a partner asks of the linked data, one at a time: p50 and p99 of 101 runs each
/// (the answer is never cached, so each run evaluates the query again).
async fn sparql(client: &reqwest::Client, base: &str, n: usize) {
    let prefixes = "PREFIX elm: <http://data.europa.eu/snb/model/ontology/>
        PREFIX dct: <http://purl.org/dc/terms/>";
    // Skill 4: the offers teaching it include blended EQF-5 ones in Polish (offer g has skill
    // g % 50, EQF g % 8 + 1, language g % 4, and mode (g / 4) % 4).
    let skill = format!("{ESCO}00000000-0000-4000-8000-{:012}", 4 % SKILLS);
    let blended = "http://data.europa.eu/snb/learning-assessment/e92d221e4d";
    let queries = [
        (
            "by provider (20)",
            format!(
                "SELECT ?o WHERE {{ ?o elm:providedBy <{base}/id/organisation/bench-provider-7> }} \
                 LIMIT 20"
            ),
        ),
        (
            "by ESCO skill (20)",
            format!(
                "SELECT DISTINCT ?o WHERE {{ ?o elm:learningAchievementSpecification/\
                 elm:learningOutcome/elm:relatedESCOSkill <{skill}> }} LIMIT 20"
            ),
        ),
        (
            "by EQF level and mode (20)",
            format!(
                "SELECT ?o WHERE {{ ?o elm:mode <{blended}> ; \
                 elm:learningAchievementSpecification/elm:educationLevel \
                 <http://data.europa.eu/snb/eqf/5> }} LIMIT 20"
            ),
        ),
        (
            "blended EQF-5, skill, Polish",
            format!(
                "SELECT ?o ?title WHERE {{ ?o elm:mode <{blended}> ; dct:title ?title ; \
                 elm:learningAchievementSpecification ?s . \
                 ?s elm:educationLevel <http://data.europa.eu/snb/eqf/5> ; \
                 dct:language <http://publications.europa.eu/resource/authority/language/POL> ; \
                 elm:learningOutcome/elm:relatedESCOSkill <{skill}> . \
                 FILTER(lang(?title) = \"pl\") }}"
            ),
        ),
        (
            "the same, skill first",
            format!(
                "SELECT ?o ?title WHERE {{ \
                 ?s elm:learningOutcome/elm:relatedESCOSkill <{skill}> ; \
                 elm:educationLevel <http://data.europa.eu/snb/eqf/5> ; \
                 dct:language <http://publications.europa.eu/resource/authority/language/POL> . \
                 ?o elm:learningAchievementSpecification ?s ; elm:mode <{blended}> ; \
                 dct:title ?title . FILTER(lang(?title) = \"pl\") }}"
            ),
        ),
        (
            "COUNT over everything",
            "SELECT (COUNT(?o) AS ?n) WHERE { ?o a elm:LearningOpportunity }".to_string(),
        ),
    ];
    println!("SPARQL over {n} offers (101 runs each): p50, p99, rows");
    for (what, query) in queries {
        let query = format!("{prefixes}\n{query}");
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..101 {
            let t = Instant::now();
            let res = client
                .post(format!("{base}/sparql"))
                .header("content-type", "application/sparql-query")
                .header("accept", "application/sparql-results+json")
                .body(query.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{what}");
            let body: serde_json::Value = res.json().await.unwrap();
            times.push(t.elapsed());
            rows = body["results"]["bindings"].as_array().map_or(0, Vec::len);
        }
        times.sort_unstable();
        println!(
            "  {what:<30} {:>9.2?} {:>9.2?}  {rows} rows",
            times[50], times[99]
        );
    }
}

async fn one(client: &reqwest::Client, base: &str, q: &str) -> (u16, i64) {
    let res = client
        .get(format!("{base}/api/offers?{q}"))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    (
        status,
        body["meta"]["pagination"]["total"].as_i64().unwrap_or(-1),
    )
}

#[derive(Clone, Copy)]
enum Mix {
    Popular,
    Unique,
}

impl Mix {
    fn name(self) -> &'static str {
        match self {
            Mix::Popular => "popular",
            Mix::Unique => "unique",
        }
    }

    fn query(self, i: u64) -> String {
        let popular = POPULAR[(i as usize) % POPULAR.len()];
        match self {
            // Pages 1–10 of each popular search: a few hundred distinct answers.
            Mix::Popular => format!("{popular}&page={}", 1 + (i / POPULAR.len() as u64) % 10),
            // A price bound no one asked for before: the cache cannot help.
            Mix::Unique => format!("{popular}&price_max={}.{:02}", 1000 + i % 8000, i % 100),
        }
    }
}

struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
    errors: usize,
}

/// `connections` clients, each on its own keep-alive connection, sending one request after
/// another for `length` (after a warm-up in which the connections open).
async fn load(base: &str, connections: usize, mix: Mix, length: Duration) -> Figures {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (client, measuring, stop) = (client.clone(), measuring.clone(), stop.clone());
        let base = base.to_string();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut i = (c as u64).wrapping_mul(7919);
            while !stop.load(Ordering::Relaxed) {
                let url = format!("{base}/api/offers?{}", mix.query(i));
                i += 1;
                let t = Instant::now();
                // As browsers and widgets ask: compressed.
                let request = client
                    .get(&url)
                    .header("accept-encoding", "gzip, deflate, br");
                let ok = match request.send().await {
                    Ok(res) => res.status() == 200 && res.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if measuring.load(Ordering::Relaxed) {
                    if ok {
                        latencies.push(t.elapsed());
                    } else {
                        errors += 1;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(length).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Figures {
        per_second: all.len() as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
        max: all.last().copied().unwrap_or_default(),
        errors,
    }
}
