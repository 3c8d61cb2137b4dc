"""Virtual queue: numbered tickets per store and business day, called in order by staff."""
