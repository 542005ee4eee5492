"""Every write of the quality app. Import from here: `from tickets.quality.services import csat_record`."""

from tickets.quality.services.csat import csat_record
from tickets.quality.services.qa import qa_review_submit, qa_sample_day
from tickets.quality.services.scores import quality_score_refresh, quality_scores_refresh_all

__all__ = ["csat_record", "qa_review_submit", "qa_sample_day", "quality_score_refresh", "quality_scores_refresh_all"]
