# Mail
mail-confirm-subject = Confirm your e-mail address
mail-confirm-body = Hello { $name },

    please confirm your e-mail address for the Training Registry Hub by opening this link within 48 hours:

    { $link }

    If you did not register, ignore this message.
mail-reset-subject = Reset your password
mail-reset-body = Hello { $name },

    someone asked to reset the password of your Training Registry Hub account. To choose a new password, open this link within one hour:

    { $link }

    If it was not you, ignore this message: your password stays as it is.
mail-alert-subject = Security alert: failed sign-ins
mail-alert-body = Failed sign-ins for { $email } came from { $count } different addresses in the last 10 minutes.

# Pages
nav-catalogue = Catalogue
nav-sign-in = Sign in
nav-sign-out = Sign out
nav-register = Register
nav-sessions = My sessions
field-email = E-mail
field-password = Password
field-first-name = First name
field-last-name = Last name
field-language = Language
field-role = I am registering as
field-organisation = Organisation name
field-accept-terms = I accept the terms and the privacy policy
role-trainee = Trainee
role-trainer = Trainer
role-provider = Training provider
role-employer = Employer
sign-in-title = Sign in
sign-in-submit = Sign in
sign-in-with = Sign in with { $provider }
sign-in-failed = The e-mail or password is wrong, or the account is not confirmed yet.
sign-in-locked = Too many failed attempts: the account is locked for a while.
forgot-link = Forgot your password?
register-title = Create an account
register-submit = Register
register-done = Check your inbox: we sent you a link to confirm your e-mail address.
confirm-title = E-mail confirmed
confirm-done = Your e-mail address is confirmed. You can sign in now.
confirm-failed = This link is invalid or has expired.
forgot-title = Forgot your password
forgot-submit = Send me a link
forgot-done = If an account exists for this address, we sent it a link to reset the password.
reset-title = Choose a new password
reset-submit = Save the new password
reset-done = Your password has been changed. Please sign in again.
consent-title = Allow access
consent-intro = { $client } asks to use your account for:
consent-allow = Allow
consent-deny = Deny
scope-openid = your identity on this hub
scope-profile = your name and language
scope-email = your e-mail address
scope-chamilo = your role in the learning platform
scope-offline_access = staying signed in to it while you work there
signed-out-title = Signed out
signed-out-done = You have been signed out.
sessions-title = My sessions
sessions-current = this session
sessions-started = started
sessions-last-seen = last active
sessions-end = End
sessions-end-all = End all other sessions

# Layout and error pages
skip-link = Skip to content
footer = Register of training services for the Modern Business Services sector.
error-back = Back to the catalogue
error-code = Error
error-validation = Invalid request
error-unauthenticated = Sign-in required
error-forbidden = Not allowed
error-not-found = Not found
error-conflict = Conflict
error-precondition-failed = Changed by someone else
error-precondition-required = If-Match required
error-payload-too-large = Request too large
error-locked = Account locked
error-rate-limited = Too many requests
error-timeout = Took too long
error-unavailable = Temporarily unavailable
error-method-not-allowed = Method not allowed
error-internal = Something went wrong
logout-confirm = To sign out, use the Sign out button at the top of the page.

# Application e-mails
mail-application-subject = Your application: { $offer }
mail-application-body = Hello { $name },

    your application for “{ $offer }” is now: { $status }.
    { $reason }
application-status-pending = waiting for the provider's decision
application-status-waitlisted = on the waiting list
application-status-accepted = accepted
application-status-rejected = rejected
application-status-cancelled = cancelled
application-status-enrolled = enrolled
application-status-completed = completed
application-status-failed = not passed

# Offer decision e-mails
mail-decision-subject = Your offer: { $offer }
mail-decision-body = Hello { $name },

    the registry's review of “{ $offer }”: { $decision }.
    { $reason }
decision-approved = approved and published
decision-rejected = rejected

# Deadline reminders and course updates
mail-deadline-subject = Applications for { $offer } close on { $deadline }
mail-deadline-body-employee = Hello { $name },

    your employer has asked to enrol you in “{ $offer }”. Applications close on { $deadline }: please accept or decline the request in the registry before then.
mail-deadline-body-provider = Hello { $name },

    applications for your offer “{ $offer }” close on { $deadline }, and { $waiting } still wait for your decision.
mail-course-subject = Change to { $offer }
mail-course-updated-body = Hello { $name },

    the provider has changed “{ $offer }”, which you applied for. Please check the dates, place and price in the registry.
mail-course-withdrawn-body = Hello { $name },

    the provider has withdrawn “{ $offer }”, which you applied for. It will not take place.

# Matching announcements
mail-announcement-subject = An employer is looking for training: { $title }
mail-announcement-body = Hello { $name },

    an employer has asked for training in { $industry }, where your organisation offers courses: “{ $title }”. You can answer it with an offer or a message in the registry.

# Badge verification (the /verify page and POST /api/verify)
verify-title = Check a badge
verify-intro = Paste a badge (its JSON), upload its file (JSON or a PNG image with the badge baked in), or give its address. The hub checks who issued it, that nothing was changed, that it is still valid and not revoked.
verify-paste = Badge as JSON
verify-file = Badge file (JSON or PNG)
verify-url = Badge address or id
verify-submit = Check
verify-valid = This badge is genuine and valid.
verify-invalid = This badge does not pass every check.
verify-of = { $name }, issued by { $issuer }
verify-schema-holds = It has the form an Open Badge 3.0 must have.
verify-schema-fails = It does not have the form an Open Badge 3.0 must have: { $detail }
verify-key-holds = The issuer's key was found, and it belongs to the issuer.
verify-key-fails = The issuer's key could not be confirmed: { $detail }
verify-proof-holds = The signature is genuine: nothing was changed since the issuer signed it.
verify-proof-fails = The signature does not hold: { $detail }
verify-validity-holds = It is valid now.
verify-validity-until = It is valid now, until { $detail }.
verify-validity-not-yet = It is not valid yet: it becomes valid on { $detail }.
verify-validity-expired = It expired on { $detail }.
verify-validity-fails = Its dates cannot be read: { $detail }
verify-status-holds = The issuer has not revoked it.
verify-status-none = The issuer publishes no revocation status for it.
verify-status-revoked = The issuer has revoked it.
verify-status-fails = Whether it was revoked could not be checked: { $detail }

# A badge's public page
badge-issued-by = Issued by { $issuer }
badge-issued-on = Issued on
badge-valid-until = Valid until
badge-eqf = EQF level
badge-criteria = How it was earned
badge-skills = Skills (ESCO)
badge-download-json = Download (JSON)
badge-download-png = Download the image (PNG with the badge inside)
badge-linkedin = Add to LinkedIn
