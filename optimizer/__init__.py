"""Allocation optimizer: assign each hospital's agreed volume to the winners at least cost."""

from optimizer.build import DrugModel, build_drug_model, build_pulp_model
from optimizer.checks import CheckIssue, check_inputs
from optimizer.inputs import DrugData, PlanInput, PlanSettings, agreed_ratio, agreed_volumes, split_by_drug
from optimizer.plan import DrugPlan, Plan, PlanStatus
from optimizer.solve import DrugResult, allocate, solve_drug

__all__ = [
    "CheckIssue",
    "DrugData",
    "DrugModel",
    "DrugPlan",
    "DrugResult",
    "Plan",
    "PlanInput",
    "PlanSettings",
    "PlanStatus",
    "agreed_ratio",
    "agreed_volumes",
    "allocate",
    "build_drug_model",
    "build_pulp_model",
    "check_inputs",
    "solve_drug",
    "split_by_drug",
]
