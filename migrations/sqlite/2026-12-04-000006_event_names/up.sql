-- One name per happening: the e-mailed notices' events take their notification's name.
UPDATE events SET kind = 'application.status' WHERE kind = 'application.changed';
UPDATE events SET kind = 'offer.decision' WHERE kind = 'offer.decided';
UPDATE events SET kind = 'announcement.matching' WHERE kind = 'announcement.matched';
UPDATE events SET kind = 'deadline.reminder' WHERE kind = 'deadline.reminded';
UPDATE events SET kind = 'course.update' WHERE kind = 'course.updated';
DELETE FROM subscriptions WHERE kind IN ('application.changed', 'offer.decided',
    'announcement.matched', 'deadline.reminded', 'course.updated');
