DROP TABLE email_opt_outs;
DROP TABLE announcements;
DROP TABLE ratings;
DROP TABLE offer_trainers;
DROP TABLE applications;
