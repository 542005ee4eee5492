"""Applying to be an agent, and ops deciding on the application."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.exceptions import ApplicationAlreadyDecided, ApplicationInvalid
from agents.models import AgentProfile, AgentStatus, Language, Presence, Skill
from agents.roles import AGENT, ensure_role_groups
from agents.validation import choice_list_error, country_error, time_zone_error, unique_in_order


def _application_errors(
    *,
    username: str,
    password: str,
    display_name: str,
    email: str,
    country: str,
    time_zone: str,
    languages: list[str],
    skills: list[str],
    address: str,
    tax_id: str,
) -> dict[str, list[str]]:
    User = get_user_model()
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str | None) -> None:
        if message:
            errors.setdefault(field, []).append(message)

    try:
        User.username_validator(username)
    except ValidationError as exc:
        add("username", exc.messages[0])
    if not username:
        add("username", "Choose a username.")
    elif len(username) > 150:
        add("username", "At most 150 characters.")
    elif User.objects.filter(username__iexact=username).exists():
        add("username", "This username is taken.")
    if not display_name.strip():
        add("name", "Tell us your name.")
    elif len(display_name) > 80:
        add("name", "At most 80 characters.")
    try:
        validate_email(email)
    except ValidationError:
        add("email", "Enter a valid e-mail address.")
    add("country", country_error(country))
    add("time_zone", time_zone_error(time_zone))
    add("languages", choice_list_error(languages, Language, what="languages", required=True))
    add("skills", choice_list_error(skills, Skill, what="skills", required=True))
    if len(address) > 255:
        add("address", "At most 255 characters.")
    if len(tax_id) > 40:
        add("tax_id", "At most 40 characters.")
    if not errors.get("username"):
        try:
            validate_password(password, User(username=username, email=email, first_name=display_name))
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    return errors


def agent_apply(
    *,
    username: str,
    password: str,
    display_name: str,
    email: str,
    country: str,
    time_zone: str,
    languages: list[str],
    skills: list[str],
    address: str = "",
    tax_id: str = "",
) -> AgentProfile:
    """Create the account (role agent) and an `applied` profile, or raise ApplicationInvalid and create nothing."""
    username, display_name, email = username.strip(), display_name.strip(), email.strip()
    address, tax_id = address.strip(), tax_id.strip()
    errors = _application_errors(
        username=username,
        password=password,
        display_name=display_name,
        email=email,
        country=country,
        time_zone=time_zone,
        languages=languages,
        skills=skills,
        address=address,
        tax_id=tax_id,
    )
    if errors:
        raise ApplicationInvalid(errors)
    User = get_user_model()
    first, _, last = display_name.partition(" ")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, password=password, email=email, first_name=first[:150], last_name=last[:150]
            )
            user.groups.add(ensure_role_groups()[AGENT])
            return AgentProfile.objects.create(
                user=user,
                display_name=display_name,
                country=country.upper(),
                timezone=time_zone,
                languages=unique_in_order(languages),
                skills=unique_in_order(skills),
                address=address,
                tax_id=tax_id,
                status=AgentStatus.APPLIED,
                max_concurrent_chats=settings.AGENT_MAX_CONCURRENT_CHATS,
            )
    except IntegrityError as exc:
        # Two sign-ups raced for one username; the database's unique index decided.
        raise ApplicationInvalid({"username": ["This username is taken."]}) from exc


def agent_decide(*, profile: AgentProfile, decided_by: AbstractBaseUser, approve: bool, note: str = "") -> AgentProfile:
    """Ops approves or rejects an application; only `applied` profiles can be decided."""
    with transaction.atomic():
        locked = AgentProfile.objects.select_for_update().get(pk=profile.pk)
        if locked.status != AgentStatus.APPLIED:
            raise ApplicationAlreadyDecided(f"This application is already {locked.get_status_display().lower()}.")
        locked.status = AgentStatus.APPROVED if approve else AgentStatus.REJECTED
        locked.decided_by = decided_by
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()[:255]
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve:
            Presence.objects.get_or_create(agent=locked)
    return locked
