DROP TABLE polled_results;
