from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver

# Sent after organisations' region, ICB roll-up or type may have changed, so that anything
# counted by place can be recounted.
places_changed = Signal()

PLACE_FIELDS = ("region_id", "icb_id", "org_type")


@receiver(pre_save, sender="registry.Organisation")
def remember_place(sender, instance, raw=False, **kwargs):
    instance._place_before = (
        None
        if raw or instance.pk is None
        else sender.objects.filter(pk=instance.pk).values_list(*PLACE_FIELDS).first()
    )


@receiver(post_save, sender="registry.Organisation")
def announce_move(sender, instance, raw=False, **kwargs):
    """An organisation saved in another region, ICB or type moves its records' counts."""
    before = getattr(instance, "_place_before", None)
    if before is not None and before != tuple(getattr(instance, f) for f in PLACE_FIELDS):
        places_changed.send(sender=sender)
