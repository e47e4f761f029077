"""Damages (损害赔偿): the compensation calculator for IP infringement — the statutory order of
methods per law and version, statutory ranges, punitive multipliers with the 2021 SPC checklists,
reasonable expenses and typified tables — with its public page and API."""
