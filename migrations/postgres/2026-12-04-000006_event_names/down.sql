UPDATE events SET kind = 'application.changed' WHERE kind = 'application.status';
UPDATE events SET kind = 'offer.decided' WHERE kind = 'offer.decision';
UPDATE events SET kind = 'announcement.matched' WHERE kind = 'announcement.matching';
UPDATE events SET kind = 'deadline.reminded' WHERE kind = 'deadline.reminder';
UPDATE events SET kind = 'course.updated' WHERE kind = 'course.update';
