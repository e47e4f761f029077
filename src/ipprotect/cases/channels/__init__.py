"""Protection channels of a case (issue 4 parts 3 and 4): each channel a state machine declared
as data (`machine`, one module per channel), its steps and deadlines in `case_steps`
(`models`), the operations (`service`), the officers' work queue (`queue`), JSON routes (`api`)
and buttons and pages (`pages`)."""
