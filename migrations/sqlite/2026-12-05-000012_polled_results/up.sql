-- Learning results pulled from Chamilo for enrolments still in progress: the average score of
-- the tests taken (REST `user_courses_by_dates`), and a learning path's progress (SOAP
-- `WSGetLpProgress`).
CREATE TABLE polled_results (
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    polled_at      TIMESTAMP NOT NULL,
    -- 'quiz_average' or 'lp_progress'.
    kind           TEXT NOT NULL,
    lp_id          BIGINT,
    -- Percent.
    value          DOUBLE PRECISION NOT NULL,
    -- Chamilo's answer, verbatim.
    body           TEXT NOT NULL,
    PRIMARY KEY (application_id, polled_at, kind)
);
