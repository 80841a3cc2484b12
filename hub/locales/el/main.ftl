# Mail
mail-confirm-subject = Επιβεβαιώστε τη διεύθυνση e-mail σας
mail-confirm-body = Γεια σας { $name },

    επιβεβαιώστε τη διεύθυνση e-mail σας για το Μητρώο Υπηρεσιών Κατάρτισης ανοίγοντας αυτόν τον σύνδεσμο μέσα σε 48 ώρες:

    { $link }

    Αν δεν κάνατε εγγραφή, αγνοήστε αυτό το μήνυμα.
mail-reset-subject = Επαναφορά κωδικού πρόσβασης
mail-reset-body = Γεια σας { $name },

    ζητήθηκε επαναφορά του κωδικού πρόσβασης του λογαριασμού σας. Για να ορίσετε νέο κωδικό, ανοίξτε αυτόν τον σύνδεσμο μέσα σε μία ώρα:

    { $link }

    Αν δεν ήσασταν εσείς, αγνοήστε αυτό το μήνυμα: ο κωδικός σας παραμένει ίδιος.
mail-alert-subject = Ειδοποίηση ασφαλείας: αποτυχημένες συνδέσεις
mail-alert-body = Τα τελευταία 10 λεπτά οι αποτυχημένες συνδέσεις για { $email } προήλθαν από { $count } διαφορετικές διευθύνσεις.

# Pages
nav-catalogue = Κατάλογος
nav-sign-in = Σύνδεση
nav-sign-out = Αποσύνδεση
nav-register = Εγγραφή
nav-sessions = Οι συνεδρίες μου
field-email = E-mail
field-password = Κωδικός πρόσβασης
field-first-name = Όνομα
field-last-name = Επώνυμο
field-language = Γλώσσα
field-role = Εγγράφομαι ως
field-organisation = Όνομα οργανισμού
field-accept-terms = Αποδέχομαι τους όρους και την πολιτική απορρήτου
role-trainee = Εκπαιδευόμενος
role-trainer = Εκπαιδευτής
role-provider = Πάροχος κατάρτισης
role-employer = Εργοδότης
sign-in-title = Σύνδεση
sign-in-submit = Σύνδεση
sign-in-with = Σύνδεση μέσω { $provider }
sign-in-failed = Λάθος e-mail ή κωδικός, ή ο λογαριασμός δεν έχει επιβεβαιωθεί ακόμη.
sign-in-locked = Πάρα πολλές αποτυχημένες προσπάθειες: ο λογαριασμός κλειδώθηκε προσωρινά.
forgot-link = Ξεχάσατε τον κωδικό σας;
register-title = Δημιουργία λογαριασμού
register-submit = Εγγραφή
register-done = Ελέγξτε τα εισερχόμενά σας: σας στείλαμε σύνδεσμο επιβεβαίωσης του e-mail.
confirm-title = Το e-mail επιβεβαιώθηκε
confirm-done = Η διεύθυνση e-mail σας επιβεβαιώθηκε. Μπορείτε τώρα να συνδεθείτε.
confirm-failed = Ο σύνδεσμος δεν είναι έγκυρος ή έχει λήξει.
forgot-title = Ξεχάσατε τον κωδικό
forgot-submit = Στείλτε μου σύνδεσμο
forgot-done = Αν υπάρχει λογαριασμός με αυτή τη διεύθυνση, του στείλαμε σύνδεσμο επαναφοράς του κωδικού.
reset-title = Ορίστε νέο κωδικό
reset-submit = Αποθήκευση νέου κωδικού
reset-done = Ο κωδικός σας άλλαξε. Συνδεθείτε ξανά.
consent-title = Άδεια πρόσβασης
consent-intro = Η εφαρμογή { $client } ζητά να χρησιμοποιήσει τον λογαριασμό σας για:
consent-allow = Να επιτραπεί
consent-deny = Άρνηση
scope-openid = την ταυτότητά σας σε αυτό το μητρώο
scope-profile = το όνομα και τη γλώσσα σας
scope-email = τη διεύθυνση e-mail σας
scope-chamilo = τον ρόλο σας στην πλατφόρμα μάθησης
scope-offline_access = να παραμένετε συνδεδεμένοι όσο εργάζεστε εκεί
signed-out-title = Αποσυνδεθήκατε
signed-out-done = Έχετε αποσυνδεθεί.
sessions-title = Οι συνεδρίες μου
sessions-current = αυτή η συνεδρία
sessions-started = έναρξη
sessions-last-seen = τελευταία δραστηριότητα
sessions-end = Τερματισμός
sessions-end-all = Τερματισμός όλων των άλλων συνεδριών

# Layout and error pages
skip-link = Μετάβαση στο περιεχόμενο
footer = Μητρώο υπηρεσιών κατάρτισης για τον τομέα των σύγχρονων επιχειρηματικών υπηρεσιών.
error-back = Επιστροφή στον κατάλογο
error-code = Σφάλμα
error-validation = Μη έγκυρο αίτημα
error-unauthenticated = Απαιτείται σύνδεση
error-forbidden = Δεν επιτρέπεται
error-not-found = Δεν βρέθηκε
error-conflict = Σύγκρουση
error-precondition-failed = Άλλαξε από κάποιον άλλον
error-precondition-required = Απαιτείται If-Match
error-payload-too-large = Πολύ μεγάλο αίτημα
error-locked = Ο λογαριασμός κλειδώθηκε
error-rate-limited = Πάρα πολλά αιτήματα
error-timeout = Υπερβολική διάρκεια
error-unavailable = Προσωρινά μη διαθέσιμο
error-method-not-allowed = Μη επιτρεπτή μέθοδος
error-internal = Κάτι πήγε στραβά
logout-confirm = Για να αποσυνδεθείτε, χρησιμοποιήστε το κουμπί Αποσύνδεση στο πάνω μέρος της σελίδας.

# Application e-mails
mail-application-subject = Η αίτησή σας: { $offer }
mail-application-body = Γεια σας { $name },

    η αίτησή σας για «{ $offer }» είναι τώρα: { $status }.
    { $reason }
application-status-pending = αναμένει απόφαση του παρόχου
application-status-waitlisted = σε λίστα αναμονής
application-status-accepted = εγκρίθηκε
application-status-rejected = απορρίφθηκε
application-status-cancelled = ακυρώθηκε
application-status-enrolled = εγγραφήκατε
application-status-completed = ολοκληρώθηκε
application-status-failed = δεν ολοκληρώθηκε επιτυχώς

# Offer decision e-mails
mail-decision-subject = Η προσφορά σας: { $offer }
mail-decision-body = Γεια σας { $name },

    αποτέλεσμα ελέγχου για «{ $offer }»: { $decision }.
    { $reason }
decision-approved = εγκρίθηκε και δημοσιεύθηκε
decision-rejected = απορρίφθηκε

# Υπενθυμίσεις προθεσμιών και αλλαγές μαθημάτων
mail-deadline-subject = Οι αιτήσεις για { $offer } κλείνουν στις { $deadline }
mail-deadline-body-employee = Γεια σας { $name },

    ο εργοδότης σας ζήτησε να εγγραφείτε στο «{ $offer }». Οι αιτήσεις κλείνουν στις { $deadline }: αποδεχτείτε ή απορρίψτε το αίτημα στο μητρώο έως τότε.
mail-deadline-body-provider = Γεια σας { $name },

    οι αιτήσεις για την προσφορά σας «{ $offer }» κλείνουν στις { $deadline } και { $waiting } περιμένουν ακόμη την απόφασή σας.
mail-course-subject = Αλλαγή στο { $offer }
mail-course-updated-body = Γεια σας { $name },

    ο πάροχος άλλαξε το «{ $offer }», για το οποίο κάνατε αίτηση. Ελέγξτε στο μητρώο ημερομηνίες, τόπο και τιμή.
mail-course-withdrawn-body = Γεια σας { $name },

    ο πάροχος απέσυρε το «{ $offer }», για το οποίο κάνατε αίτηση. Δεν θα πραγματοποιηθεί.

# Σχετικές ανακοινώσεις
mail-announcement-subject = Εργοδότης αναζητά εκπαίδευση: { $title }
mail-announcement-body = Γεια σας { $name },

    ένας εργοδότης αναζητά εκπαίδευση στον τομέα { $industry }, όπου ο οργανισμός σας προσφέρει μαθήματα: «{ $title }». Μπορείτε να απαντήσετε στο μητρώο με μια προσφορά ή ένα μήνυμα.

# Badge verification (the /verify page and POST /api/verify)
verify-title = Έλεγχος σήματος
verify-intro = Επικολλήστε ένα σήμα (το JSON του), ανεβάστε το αρχείο του (JSON ή εικόνα PNG με ενσωματωμένο το σήμα) ή δώστε τη διεύθυνσή του. Ο κόμβος ελέγχει ποιος το εξέδωσε, ότι τίποτα δεν άλλαξε, ότι είναι ακόμη έγκυρο και δεν έχει ανακληθεί.
verify-paste = Σήμα σε μορφή JSON
verify-file = Αρχείο σήματος (JSON ή PNG)
verify-url = Διεύθυνση ή αναγνωριστικό σήματος
verify-submit = Έλεγχος
verify-valid = Αυτό το σήμα είναι γνήσιο και έγκυρο.
verify-invalid = Αυτό το σήμα δεν περνά όλους τους ελέγχους.
verify-of = { $name }, εκδόθηκε από { $issuer }
verify-schema-holds = Έχει τη μορφή που πρέπει να έχει ένα Open Badge 3.0.
verify-schema-fails = Δεν έχει τη μορφή που πρέπει να έχει ένα Open Badge 3.0: { $detail }
verify-key-holds = Το κλειδί του εκδότη βρέθηκε και ανήκει στον εκδότη.
verify-key-fails = Δεν ήταν δυνατό να επιβεβαιωθεί το κλειδί του εκδότη: { $detail }
verify-proof-holds = Η υπογραφή είναι γνήσια: τίποτα δεν άλλαξε από τότε που το υπέγραψε ο εκδότης.
verify-proof-fails = Η υπογραφή δεν ισχύει: { $detail }
verify-validity-holds = Είναι έγκυρο τώρα.
verify-validity-until = Είναι έγκυρο τώρα, έως { $detail }.
verify-validity-not-yet = Δεν είναι ακόμη έγκυρο: θα ισχύει από { $detail }.
verify-validity-expired = Έληξε στις { $detail }.
verify-validity-fails = Οι ημερομηνίες του δεν μπορούν να διαβαστούν: { $detail }
verify-status-holds = Ο εκδότης δεν το έχει ανακαλέσει.
verify-status-none = Ο εκδότης δεν δημοσιεύει κατάσταση ανάκλησης για αυτό.
verify-status-revoked = Ο εκδότης το έχει ανακαλέσει.
verify-status-fails = Δεν ήταν δυνατό να ελεγχθεί αν έχει ανακληθεί: { $detail }

# A badge's public page
badge-issued-by = Εκδόθηκε από { $issuer }
badge-issued-on = Ημερομηνία έκδοσης
badge-valid-until = Ισχύει έως
badge-eqf = Επίπεδο ΕΠΠ
badge-criteria = Πώς αποκτήθηκε
badge-skills = Δεξιότητες (ESCO)
badge-download-json = Λήψη (JSON)
badge-download-png = Λήψη της εικόνας (PNG με ενσωματωμένο το σήμα)
badge-linkedin = Προσθήκη στο LinkedIn
