"""Seed the barrier and enabler taxonomies (PRODUCT.md §3). They live in the database from here
on, edited in the admin; this is the one copy of the seeded rows, which the tests also use to
put them back after a transactional test empties the database."""

from django.db import migrations

# (slug, name, plain-English description, NASSS domain)
BARRIER_CATEGORIES = [
    (
        "silo-working",
        "Silo working",
        "Services or organisations do not plan or act together on this innovation.",
        "organisations",
    ),
    (
        "change-spans-services",
        "Change spans services",
        "The pathway crosses several organisations and nobody can change all of it.",
        "organisations",
    ),
    (
        "savings-land-elsewhere",
        "Savings land elsewhere",
        "We pay for the innovation but the savings fall to another organisation.",
        "value_proposition",
    ),
    (
        "payment-by-results",
        "Payment-by-results disincentive",
        "Activity-based payment means the innovation would cost us income.",
        "wider_system",
    ),
    (
        "savings-pressure",
        "Savings pressure",
        "Annual savings targets leave no money or time to invest.",
        "organisations",
    ),
    (
        "no-upfront-funding",
        "No up-front or double-running funding",
        "There is no money to run the old and new ways side by side while we switch.",
        "organisations",
    ),
    (
        "national-rules",
        "National rules and targets",
        "National targets, incentive schemes or programmes push the other way.",
        "wider_system",
    ),
    (
        "regulation",
        "Regulation and compliance",
        "Regulatory, information governance or assurance requirements hold it up.",
        "wider_system",
    ),
    (
        "procurement",
        "Procurement",
        "Buying it is slow, or frameworks and contracts do not fit.",
        "organisations",
    ),
    (
        "workforce-capacity",
        "Workforce capacity",
        "We do not have the people or the time to put it in place.",
        "adopters",
    ),
    (
        "interoperability",
        "Digital and data interoperability",
        "It does not connect to our systems, or data cannot flow between organisations.",
        "technology",
    ),
    (
        "evidence-acceptance",
        "Evidence and clinical acceptance",
        "Clinicians are not yet convinced by the evidence, or it does not fit our patients.",
        "adopters",
    ),
    (
        "culture-leadership",
        "Culture and leadership",
        "There is no senior sponsor, or the culture resists this kind of change.",
        "organisations",
    ),
    ("other", "Other", "Something else: describe it below.", "embedding"),
]

# (slug, name, description)
ENABLER_TYPES = [
    ("pooled-budget", "Pooled budget", "A budget shared across services or organisations."),
    (
        "outcomes-based-contract",
        "Outcomes-based contract",
        "Payment tied to outcomes for patients rather than activity.",
    ),
    (
        "risk-sharing",
        "Risk-sharing agreement",
        "Partners agree to share the costs and the savings.",
    ),
    (
        "national-funding",
        "National funding for local capacity",
        "National money for the people, time and support to make the change.",
    ),
    (
        "co-design",
        "Co-designed with local teams",
        "The approach was developed with local teams rather than mandated.",
    ),
    (
        "peer-best-practice",
        "Best practice shared by peers",
        "Another organisation that had solved it showed how.",
    ),
    (
        "joint-pathway-redesign",
        "Joint pathway redesign",
        "The organisations along the pathway redesigned it together.",
    ),
    (
        "tariff-change",
        "Tariff or payment change",
        "A change to the tariff or payment rules removed the disincentive.",
    ),
    ("other", "Other", "Something else: describe it in the notes."),
]


def seed_taxonomies(apps, schema_editor):
    category_model = apps.get_model("barriers", "BarrierCategory")
    enabler_model = apps.get_model("barriers", "EnablerType")
    for order, (slug, name, description, domain) in enumerate(BARRIER_CATEGORIES, start=1):
        category_model.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "nasss_domain": domain,
                "sort_order": order,
            },
        )
    for order, (slug, name, description) in enumerate(ENABLER_TYPES, start=1):
        enabler_model.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "sort_order": order}
        )


def remove_taxonomies(apps, schema_editor):
    apps.get_model("barriers", "BarrierCategory").objects.filter(
        slug__in=[row[0] for row in BARRIER_CATEGORIES]
    ).delete()
    apps.get_model("barriers", "EnablerType").objects.filter(
        slug__in=[row[0] for row in ENABLER_TYPES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("barriers", "0001_initial")]

    operations = [migrations.RunPython(seed_taxonomies, remove_taxonomies)]
