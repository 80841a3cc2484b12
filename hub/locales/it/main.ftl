# Mail
mail-confirm-subject = Conferma il tuo indirizzo e-mail
mail-confirm-body = Buongiorno { $name },

    conferma il tuo indirizzo e-mail per il Registro dei servizi di formazione aprendo questo link entro 48 ore:

    { $link }

    Se non ti sei registrato, ignora questo messaggio.
mail-reset-subject = Reimposta la password
mail-reset-body = Buongiorno { $name },

    è stata chiesta la reimpostazione della password del tuo account. Per sceglierne una nuova, apri questo link entro un'ora:

    { $link }

    Se non sei stato tu, ignora questo messaggio: la password resta invariata.
mail-alert-subject = Avviso di sicurezza: accessi non riusciti
mail-alert-body = Negli ultimi 10 minuti gli accessi non riusciti per { $email } sono arrivati da { $count } indirizzi diversi.

# Pages
nav-catalogue = Catalogo
nav-sign-in = Accedi
nav-sign-out = Esci
nav-register = Registrati
nav-sessions = Le mie sessioni
field-email = E-mail
field-password = Password
field-first-name = Nome
field-last-name = Cognome
field-language = Lingua
field-role = Mi registro come
field-organisation = Nome dell'organizzazione
field-accept-terms = Accetto i termini e l'informativa sulla privacy
role-trainee = Partecipante
role-trainer = Formatore
role-provider = Ente di formazione
role-employer = Datore di lavoro
sign-in-title = Accesso
sign-in-submit = Accedi
sign-in-with = Accedi con { $provider }
sign-in-failed = E-mail o password errati, oppure l'account non è ancora confermato.
sign-in-locked = Troppi tentativi non riusciti: l'account è bloccato per un po'.
forgot-link = Password dimenticata?
register-title = Crea un account
register-submit = Registrati
register-done = Controlla la posta: ti abbiamo inviato un link per confermare l'indirizzo e-mail.
confirm-title = E-mail confermata
confirm-done = Il tuo indirizzo e-mail è confermato. Ora puoi accedere.
confirm-failed = Questo link non è valido o è scaduto.
forgot-title = Password dimenticata
forgot-submit = Inviami un link
forgot-done = Se esiste un account con questo indirizzo, gli abbiamo inviato un link per reimpostare la password.
reset-title = Scegli una nuova password
reset-submit = Salva la nuova password
reset-done = La password è stata cambiata. Accedi di nuovo.
consent-title = Consenti l'accesso
consent-intro = { $client } chiede di usare il tuo account per:
consent-allow = Consenti
consent-deny = Nega
scope-openid = la tua identità su questo registro
scope-profile = nome e lingua
scope-email = indirizzo e-mail
scope-chamilo = il tuo ruolo nella piattaforma di formazione
scope-offline_access = restare collegato mentre ci lavori
signed-out-title = Disconnesso
signed-out-done = Sei uscito.
sessions-title = Le mie sessioni
sessions-current = questa sessione
sessions-started = iniziata
sessions-last-seen = ultima attività
sessions-end = Termina
sessions-end-all = Termina tutte le altre sessioni

# Layout and error pages
skip-link = Vai al contenuto
footer = Registro dei servizi di formazione per il settore dei servizi alle imprese moderni.
error-back = Torna al catalogo
error-code = Errore
error-validation = Richiesta non valida
error-unauthenticated = Accesso richiesto
error-forbidden = Non consentito
error-not-found = Non trovato
error-conflict = Conflitto
error-precondition-failed = Modificato da qualcun altro
error-precondition-required = Intestazione If-Match richiesta
error-payload-too-large = Richiesta troppo grande
error-locked = Account bloccato
error-rate-limited = Troppe richieste
error-timeout = Tempo scaduto
error-unavailable = Temporaneamente non disponibile
error-method-not-allowed = Metodo non consentito
error-internal = Qualcosa è andato storto
logout-confirm = Per uscire, usa il pulsante Esci in alto nella pagina.

# Application e-mails
mail-application-subject = La tua candidatura: { $offer }
mail-application-body = Buongiorno { $name },

    la tua candidatura per «{ $offer }» ora è: { $status }.
    { $reason }
application-status-pending = in attesa della decisione dell'ente
application-status-waitlisted = in lista d'attesa
application-status-accepted = accettata
application-status-rejected = respinta
application-status-cancelled = annullata
application-status-enrolled = iscritto al corso
application-status-completed = completata
application-status-failed = non superata

# Offer decision e-mails
mail-decision-subject = La tua offerta: { $offer }
mail-decision-body = Buongiorno { $name },

    esito della revisione di «{ $offer }»: { $decision }.
    { $reason }
decision-approved = approvata e pubblicata
decision-rejected = respinta

# Promemoria delle scadenze e aggiornamenti dei corsi
mail-deadline-subject = Le iscrizioni a { $offer } chiudono il { $deadline }
mail-deadline-body-employee = Buongiorno { $name },

    il tuo datore di lavoro ha chiesto di iscriverti a «{ $offer }». Le iscrizioni chiudono il { $deadline }: accetta o rifiuta la richiesta nel registro entro quella data.
mail-deadline-body-provider = Buongiorno { $name },

    le iscrizioni alla tua offerta «{ $offer }» chiudono il { $deadline } e { $waiting } attendono ancora la tua decisione.
mail-course-subject = Modifica a { $offer }
mail-course-updated-body = Buongiorno { $name },

    l'ente ha modificato «{ $offer }», a cui ti sei iscritto. Controlla nel registro date, luogo e prezzo.
mail-course-withdrawn-body = Buongiorno { $name },

    l'ente ha ritirato «{ $offer }», a cui ti sei iscritto. Il corso non si terrà.

# Annunci pertinenti
mail-announcement-subject = Un datore di lavoro cerca formazione: { $title }
mail-announcement-body = Buongiorno { $name },

    un datore di lavoro cerca formazione nel settore { $industry }, in cui la tua organizzazione offre corsi: «{ $title }». Puoi rispondere nel registro con un'offerta o un messaggio.

# Badge verification (the /verify page and POST /api/verify)
verify-title = Verifica un badge
verify-intro = Incolla un badge (il suo JSON), carica il suo file (JSON o un'immagine PNG con il badge incorporato) o indica il suo indirizzo. L'hub controlla chi lo ha rilasciato, che nulla sia stato modificato, che sia ancora valido e non revocato.
verify-paste = Badge in formato JSON
verify-file = File del badge (JSON o PNG)
verify-url = Indirizzo o identificativo del badge
verify-submit = Verifica
verify-valid = Questo badge è autentico e valido.
verify-invalid = Questo badge non supera tutti i controlli.
verify-of = { $name }, rilasciato da { $issuer }
verify-schema-holds = Ha la forma che un Open Badge 3.0 deve avere.
verify-schema-fails = Non ha la forma che un Open Badge 3.0 deve avere: { $detail }
verify-key-holds = La chiave dell'emittente è stata trovata e appartiene all'emittente.
verify-key-fails = Non è stato possibile confermare la chiave dell'emittente: { $detail }
verify-proof-holds = La firma è autentica: nulla è stato modificato da quando l'emittente l'ha firmato.
verify-proof-fails = La firma non è valida: { $detail }
verify-validity-holds = È valido ora.
verify-validity-until = È valido ora, fino al { $detail }.
verify-validity-not-yet = Non è ancora valido: lo sarà dal { $detail }.
verify-validity-expired = È scaduto il { $detail }.
verify-validity-fails = Non è possibile leggerne le date: { $detail }
verify-status-holds = L'emittente non lo ha revocato.
verify-status-none = L'emittente non pubblica uno stato di revoca per questo badge.
verify-status-revoked = L'emittente lo ha revocato.
verify-status-fails = Non è stato possibile verificare se è stato revocato: { $detail }

# A badge's public page
badge-issued-by = Rilasciato da { $issuer }
badge-issued-on = Rilasciato il
badge-valid-until = Valido fino al
badge-eqf = Livello EQF
badge-criteria = Come è stato ottenuto
badge-skills = Competenze (ESCO)
badge-download-json = Scarica (JSON)
badge-download-png = Scarica l'immagine (PNG con il badge incorporato)
badge-linkedin = Aggiungi a LinkedIn
