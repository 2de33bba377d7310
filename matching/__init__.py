"""ReMo's matching engine: partner suggestions with reasons (pure, no I/O).

It takes a `graph.Snapshot` and returns plain data: `suggest` for one organisation,
`suggest_all` for everybody (with a fair-exposure re-ranking), `WeightLearner` to learn the
signal weights from outcomes, ranking metrics for the evaluation, and `plan_meeting` to seat the
organisations of an exchange meeting.

Every name loads on first use (module ``__getattr__``): ``import matching`` loads none of the engine's
libraries (NumPy, SciPy, scikit-learn); a name brings in the module that defines it and what that imports.
"""

from typing import TYPE_CHECKING

from graph._lazy import lazy_names

if TYPE_CHECKING:
    from ._auto import AUTO_LEARNER, FittedWeights, auto_weights, fair_choice, fit_weights
    from ._fair_fit import FairChoice, choose_fairness
    from ._fairness import (
        FAIR_LADDER,
        FairSetting,
        exposure_factor,
        exposure_gini,
        fairness_metrics,
        gini,
        recent_demand,
        rerank_capped,
        rerank_greedy,
    )
    from ._funding import (
        EXCLUSION_REASONS,
        FundingMatch,
        FundingResult,
        first_applicant,
        funding_for_org,
        funding_for_project,
        programme_size,
    )
    from ._learn import WeightLearner
    from ._meetings import (
        MeetingPlan,
        MeetingPlanner,
        exact_meeting_plan,
        max_rounds,
        meeting_score_matrix,
        parse_plan,
        plan_meeting,
        replan,
        rounds_bound,
        score_upper_bound,
        table_sizes,
    )
    from ._metrics import evaluate_rankings, mrr, ndcg_at_k, precision_at_k, recall_at_k
    from ._signals import CONTENT_SIGNALS, DEFAULT_WEIGHTS, SIGNALS, SignalData, check_weights, communities
    from ._suggest import (
        HINT_FIELDS,
        MatchingModel,
        Suggestion,
        hints,
        matching_model,
        suggest,
        suggest_all,
        suggest_many,
        suggestions_json,
    )
    from ._teams import (
        ProjectIdea,
        Team,
        TeamBuilder,
        TeamMember,
        complete_team,
        project_ideas,
        role_matrix,
        suggest_teams,
    )
    from ._workshops import RESOURCE_NEEDS, WorkshopProposal, default_themes, workshop_proposals

#: name -> submodule that defines it
_LAZY = {
    **dict.fromkeys(["AUTO_LEARNER", "FittedWeights", "auto_weights", "fair_choice", "fit_weights"], "_auto"),
    **dict.fromkeys(["FairChoice", "choose_fairness"], "_fair_fit"),
    **dict.fromkeys(
        [
            "FAIR_LADDER",
            "FairSetting",
            "exposure_factor",
            "exposure_gini",
            "fairness_metrics",
            "gini",
            "recent_demand",
            "rerank_capped",
            "rerank_greedy",
        ],
        "_fairness",
    ),
    **dict.fromkeys(
        [
            "EXCLUSION_REASONS",
            "FundingMatch",
            "FundingResult",
            "first_applicant",
            "funding_for_org",
            "funding_for_project",
            "programme_size",
        ],
        "_funding",
    ),
    **dict.fromkeys(["WeightLearner"], "_learn"),
    **dict.fromkeys(
        [
            "MeetingPlan",
            "MeetingPlanner",
            "exact_meeting_plan",
            "max_rounds",
            "meeting_score_matrix",
            "parse_plan",
            "plan_meeting",
            "replan",
            "rounds_bound",
            "score_upper_bound",
            "table_sizes",
        ],
        "_meetings",
    ),
    **dict.fromkeys(["evaluate_rankings", "mrr", "ndcg_at_k", "precision_at_k", "recall_at_k"], "_metrics"),
    **dict.fromkeys(
        ["CONTENT_SIGNALS", "DEFAULT_WEIGHTS", "SIGNALS", "SignalData", "check_weights", "communities"], "_signals"
    ),
    **dict.fromkeys(
        [
            "HINT_FIELDS",
            "MatchingModel",
            "Suggestion",
            "hints",
            "matching_model",
            "suggest",
            "suggest_all",
            "suggest_many",
            "suggestions_json",
        ],
        "_suggest",
    ),
    **dict.fromkeys(
        [
            "ProjectIdea",
            "Team",
            "TeamBuilder",
            "TeamMember",
            "complete_team",
            "project_ideas",
            "role_matrix",
            "suggest_teams",
        ],
        "_teams",
    ),
    **dict.fromkeys(["RESOURCE_NEEDS", "WorkshopProposal", "default_themes", "workshop_proposals"], "_workshops"),
}

if not TYPE_CHECKING:  # type checkers see the imports above; a module __getattr__ would hide misspelt names
    __getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())


__all__ = [
    "AUTO_LEARNER",
    "CONTENT_SIGNALS",
    "DEFAULT_WEIGHTS",
    "EXCLUSION_REASONS",
    "FAIR_LADDER",
    "HINT_FIELDS",
    "RESOURCE_NEEDS",
    "SIGNALS",
    "FairChoice",
    "FairSetting",
    "FittedWeights",
    "FundingMatch",
    "FundingResult",
    "MatchingModel",
    "MeetingPlan",
    "MeetingPlanner",
    "ProjectIdea",
    "SignalData",
    "Suggestion",
    "Team",
    "TeamBuilder",
    "TeamMember",
    "WeightLearner",
    "WorkshopProposal",
    "auto_weights",
    "check_weights",
    "choose_fairness",
    "communities",
    "complete_team",
    "default_themes",
    "evaluate_rankings",
    "exact_meeting_plan",
    "exposure_factor",
    "exposure_gini",
    "fair_choice",
    "fairness_metrics",
    "fit_weights",
    "first_applicant",
    "funding_for_org",
    "funding_for_project",
    "gini",
    "hints",
    "matching_model",
    "max_rounds",
    "rounds_bound",
    "meeting_score_matrix",
    "mrr",
    "ndcg_at_k",
    "parse_plan",
    "plan_meeting",
    "precision_at_k",
    "programme_size",
    "project_ideas",
    "recall_at_k",
    "recent_demand",
    "replan",
    "rerank_capped",
    "rerank_greedy",
    "role_matrix",
    "score_upper_bound",
    "suggest",
    "suggest_all",
    "suggest_many",
    "suggest_teams",
    "suggestions_json",
    "table_sizes",
    "workshop_proposals",
]
