"""JSON API of credit supervision (`/api/v1/credit`): credit files, listings, repair and import."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/credit", tags=["credit"])
