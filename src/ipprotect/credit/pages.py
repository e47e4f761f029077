"""Credit pages for officers and applicants: an entity's credit file and report, the listings
with their procedure, repair and the import of existing lists."""

from fastapi import APIRouter

router = APIRouter(prefix="/credit", tags=["credit pages"])
