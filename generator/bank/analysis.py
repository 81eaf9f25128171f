"""A spec, checked and corrected: its findings, the one corrected plan, the bank as found
and the changes between the two. Everything downstream (hints, sheet, change list,
`plan --fix`, the server) starts from here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from generator.bank import cables
from generator.bank.catalog import Catalog
from generator.bank.changes import Change, change_steps, fixing
from generator.bank.diagnostics import (
    REWORKED,
    UNCORRECTABLE,
    UNSOLVED_STEPS,
    Finding,
    capped,
    has_errors,
    sort_findings,
)
from generator.bank.inventory import parse_inventory
from generator.bank.plan import InstallPlan, arrange, as_found_plan
from generator.bank.rack import Bank, RackedBattery, resolve
from generator.bank.rules import check_bank
from generator.bank.spec import BankSpec


@dataclass(frozen=True)
class Analysis:
    spec: BankSpec
    bank: Bank
    plan: InstallPlan  # the corrected plan; its findings are all of the spec's, sorted
    as_found: InstallPlan

    @cached_property
    def change_list(self) -> tuple[Change, ...]:
        """As found -> corrected, in the order to do them; worked out once per analysis."""
        listed = [cable.between for cable in self.spec.cables or ()]
        return tuple(
            change_steps(
                self.as_found,
                self.plan,
                cables.misplaced(listed, self.spec.slots),
                [f for f in unsolved(self.findings) if f.code in UNSOLVED_STEPS],
                self.bank.complete,
            )
        )

    def steps(self) -> list[Change]:
        """The change list (each step's words a `Msg`, printed in the reader's language)."""
        return list(self.change_list)

    @property
    def changes(self) -> tuple[str, ...]:
        """The change list in English words (the terminal, the server's JSON)."""
        return tuple(str(step.text) for step in self.change_list)

    @property
    def findings(self) -> list[Finding]:
        return list(self.plan.findings)

    @property
    def has_errors(self) -> bool:
        return has_errors(self.findings)

    @property
    def shows_changes(self) -> bool:
        """Whether the sheet needs the As found / Corrected page: the bank as specified is
        wrong, or its batteries are to be rearranged."""
        return bool(self.change_list) and (self.has_errors or self.plan.corrected)

    @property
    def installable(self) -> bool:
        """Whether the re-work makes the bank installable: no error is beyond it (a bank
        beyond its address range is, once the batteries past the range leave it)."""
        return not [f for f in unsolved(self.findings) if f.code not in REWORKED]

    def fixing(self, finding: Finding) -> tuple[int, ...]:
        """The numbers of the change steps that remove a finding."""
        return fixing(finding, self.change_list, self.plan)


def unsolved(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.code in UNCORRECTABLE]


def analyse(spec: BankSpec, catalog: Catalog, shape: list[Finding] | None = None) -> Analysis:
    """Check a spec and correct it; `shape` are the loader's findings, kept with the rest."""
    bank, unknown = resolve(spec, catalog)
    checked = check_bank(bank)
    findings = capped(sort_findings(list(shape or []) + unknown + list(checked.findings)))
    plan = replace(checked, findings=tuple(findings))
    return Analysis(spec, bank, plan, as_found_plan(bank, plan))


def plan_spec(spec: BankSpec, catalog: Catalog) -> InstallPlan:
    """The corrected plan of a spec, with every finding of the rules on it."""
    return analyse(spec, catalog).plan


def plan_inventory(text: str, catalog: Catalog) -> tuple[InstallPlan | None, list[Finding]]:
    """Plan a valid bank from a list of what is on hand: 'LL-S, 2x LL-V2 (4 DIP), LifePower4'."""
    spec, findings = parse_inventory(text)
    if findings:
        return None, capped(findings)
    bank, unknown = resolve(spec, catalog)
    if unknown:
        return None, unknown
    # A list on hand has no order yet: write it in the corrected order, then check that.
    renumbered = [
        RackedBattery(replace(b.entry, position=n), b.model)
        for n, b in enumerate(arrange(bank.batteries), 1)
    ]
    spec_sorted = replace(spec, batteries=tuple(b.entry for b in renumbered))
    plan = plan_spec(spec_sorted, catalog)
    blocking = [f for f in plan.findings if f.is_error]
    if blocking:
        return None, blocking
    return plan, []
