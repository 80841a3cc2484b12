-- Learning results pulled from Chamilo (REST `user_courses_by_dates`) for enrolments still in
-- progress: the tests a participant took in the offer's course and their average score.
CREATE TABLE polled_results (
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    polled_at      TIMESTAMP NOT NULL,
    avg_score      DOUBLE PRECISION NOT NULL,
    -- Chamilo's answer for the course, verbatim.
    body           TEXT NOT NULL,
    PRIMARY KEY (application_id, polled_at)
);
