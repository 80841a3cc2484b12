# Mail
mail-confirm-subject = Potwierdź swój adres e-mail
mail-confirm-body = Dzień dobry { $name },

    prosimy o potwierdzenie adresu e-mail w Rejestrze Usług Szkoleniowych — otwórz ten link w ciągu 48 godzin:

    { $link }

    Jeśli to nie Ty zakładałeś konto, zignoruj tę wiadomość.
mail-reset-subject = Zmiana hasła
mail-reset-body = Dzień dobry { $name },

    otrzymaliśmy prośbę o zmianę hasła do Twojego konta. Aby ustawić nowe hasło, otwórz ten link w ciągu godziny:

    { $link }

    Jeśli to nie Ty, zignoruj tę wiadomość: hasło pozostanie bez zmian.
mail-alert-subject = Alert bezpieczeństwa: nieudane logowania
mail-alert-body = Nieudane logowania na konto { $email } pochodziły w ciągu ostatnich 10 minut z { $count } różnych adresów.

# Pages
nav-catalogue = Katalog
nav-sign-in = Zaloguj się
nav-sign-out = Wyloguj się
nav-register = Załóż konto
nav-sessions = Moje sesje
field-email = E-mail
field-password = Hasło
field-first-name = Imię
field-last-name = Nazwisko
field-language = Język
field-role = Rejestruję się jako
field-organisation = Nazwa organizacji
field-accept-terms = Akceptuję regulamin i politykę prywatności
role-trainee = Uczestnik
role-trainer = Trener
role-provider = Dostawca szkoleń
role-employer = Pracodawca
sign-in-title = Logowanie
sign-in-submit = Zaloguj się
sign-in-with = Zaloguj się przez { $provider }
sign-in-failed = Błędny e-mail lub hasło albo konto nie zostało jeszcze potwierdzone.
sign-in-locked = Zbyt wiele nieudanych prób: konto jest na chwilę zablokowane.
forgot-link = Nie pamiętasz hasła?
register-title = Załóż konto
register-submit = Zarejestruj się
register-done = Sprawdź skrzynkę: wysłaliśmy link do potwierdzenia adresu e-mail.
confirm-title = Adres potwierdzony
confirm-done = Twój adres e-mail jest potwierdzony. Możesz się zalogować.
confirm-failed = Ten link jest nieprawidłowy lub wygasł.
forgot-title = Nie pamiętasz hasła
forgot-submit = Wyślij link
forgot-done = Jeśli istnieje konto z tym adresem, wysłaliśmy na nie link do zmiany hasła.
reset-title = Ustaw nowe hasło
reset-submit = Zapisz nowe hasło
reset-done = Hasło zostało zmienione. Zaloguj się ponownie.
consent-title = Zgoda na dostęp
consent-intro = { $client } prosi o dostęp do Twojego konta w zakresie:
consent-allow = Zezwól
consent-deny = Odmów
scope-openid = Twoja tożsamość w rejestrze
scope-profile = imię, nazwisko i język
scope-email = adres e-mail
scope-chamilo = Twoja rola na platformie szkoleniowej
scope-offline_access = pozostanie zalogowanym podczas pracy
signed-out-title = Wylogowano
signed-out-done = Zostałeś wylogowany.
sessions-title = Moje sesje
sessions-current = ta sesja
sessions-started = rozpoczęta
sessions-last-seen = ostatnia aktywność
sessions-end = Zakończ
sessions-end-all = Zakończ wszystkie inne sesje

# Layout and error pages
skip-link = Przejdź do treści
footer = Rejestr usług szkoleniowych dla sektora nowoczesnych usług biznesowych.
error-back = Wróć do katalogu
error-code = Błąd
error-validation = Nieprawidłowe żądanie
error-unauthenticated = Wymagane logowanie
error-forbidden = Brak uprawnień
error-not-found = Nie znaleziono
error-conflict = Konflikt
error-precondition-failed = Ktoś zmienił dane w międzyczasie
error-precondition-required = Wymagany nagłówek If-Match
error-payload-too-large = Zbyt duże żądanie
error-locked = Konto zablokowane
error-rate-limited = Zbyt wiele żądań
error-timeout = Przekroczono czas
error-unavailable = Chwilowo niedostępne
error-method-not-allowed = Niedozwolona metoda
error-internal = Coś poszło nie tak
logout-confirm = Aby się wylogować, użyj przycisku Wyloguj się u góry strony.

# Application e-mails
mail-application-subject = Twoje zgłoszenie: { $offer }
mail-application-body = Dzień dobry { $name },

    status Twojego zgłoszenia na „{ $offer }”: { $status }.
    { $reason }
application-status-pending = czeka na decyzję organizatora
application-status-waitlisted = na liście rezerwowej
application-status-accepted = przyjęte
application-status-rejected = odrzucone
application-status-cancelled = anulowane
application-status-enrolled = zapisano na kurs
application-status-completed = ukończone
application-status-failed = niezaliczone

# Offer decision e-mails
mail-decision-subject = Twoja oferta: { $offer }
mail-decision-body = Dzień dobry { $name },

    wynik weryfikacji oferty „{ $offer }”: { $decision }.
    { $reason }
decision-approved = zatwierdzona i opublikowana
decision-rejected = odrzucona

# Przypomnienia o terminach i zmiany kursów
mail-deadline-subject = Zgłoszenia na { $offer } przyjmowane do { $deadline }
mail-deadline-body-employee = Dzień dobry { $name },

    pracodawca zgłosił Cię na szkolenie „{ $offer }”. Zgłoszenia są przyjmowane do { $deadline }: przyjmij lub odrzuć zgłoszenie w rejestrze przed tym terminem.
mail-deadline-body-provider = Dzień dobry { $name },

    zgłoszenia na Twoją ofertę „{ $offer }” są przyjmowane do { $deadline }, a { $waiting } nadal czeka na Twoją decyzję.
mail-course-subject = Zmiana: { $offer }
mail-course-updated-body = Dzień dobry { $name },

    organizator zmienił szkolenie „{ $offer }”, na które się zgłosiłeś(-aś). Sprawdź w rejestrze terminy, miejsce i cenę.
mail-course-withdrawn-body = Dzień dobry { $name },

    organizator wycofał szkolenie „{ $offer }”, na które się zgłosiłeś(-aś). Szkolenie się nie odbędzie.

# Pasujące ogłoszenia
mail-announcement-subject = Pracodawca szuka szkolenia: { $title }
mail-announcement-body = Dzień dobry { $name },

    pracodawca szuka szkolenia z branży { $industry }, w której Twoja organizacja prowadzi kursy: „{ $title }”. Możesz odpowiedzieć w rejestrze ofertą lub wiadomością.

# Badge verification (the /verify page and POST /api/verify)
verify-title = Sprawdź odznakę
verify-intro = Wklej odznakę (jej JSON), prześlij jej plik (JSON lub obraz PNG z zapisaną odznaką) albo podaj jej adres. Hub sprawdzi, kto ją wydał, czy nic nie zostało zmienione, czy jest nadal ważna i czy nie została unieważniona.
verify-paste = Odznaka w formacie JSON
verify-file = Plik odznaki (JSON lub PNG)
verify-url = Adres lub identyfikator odznaki
verify-submit = Sprawdź
verify-valid = Ta odznaka jest autentyczna i ważna.
verify-invalid = Ta odznaka nie przechodzi wszystkich sprawdzeń.
verify-of = { $name }, wydana przez: { $issuer }
verify-schema-holds = Ma formę, jaką musi mieć odznaka Open Badges 3.0.
verify-schema-fails = Nie ma formy, jaką musi mieć odznaka Open Badges 3.0: { $detail }
verify-key-holds = Klucz wystawcy został znaleziony i należy do wystawcy.
verify-key-fails = Nie udało się potwierdzić klucza wystawcy: { $detail }
verify-proof-holds = Podpis jest autentyczny: nic nie zmieniono od chwili podpisania przez wystawcę.
verify-proof-fails = Podpis się nie zgadza: { $detail }
verify-validity-holds = Jest teraz ważna.
verify-validity-until = Jest teraz ważna, do { $detail }.
verify-validity-not-yet = Nie jest jeszcze ważna: będzie ważna od { $detail }.
verify-validity-expired = Straciła ważność { $detail }.
verify-validity-fails = Nie można odczytać jej dat: { $detail }
verify-status-holds = Wystawca jej nie unieważnił.
verify-status-none = Wystawca nie publikuje dla niej statusu unieważnienia.
verify-status-revoked = Wystawca ją unieważnił.
verify-status-fails = Nie udało się sprawdzić, czy została unieważniona: { $detail }

# A badge's public page
badge-issued-by = Wydana przez: { $issuer }
badge-issued-on = Data wydania
badge-valid-until = Ważna do
badge-eqf = Poziom ERK
badge-criteria = Jak została zdobyta
badge-skills = Umiejętności (ESCO)
badge-download-json = Pobierz (JSON)
badge-download-png = Pobierz obraz (PNG z zapisaną odznaką)
badge-linkedin = Dodaj do LinkedIn
