from django.dispatch import Signal

# Sent after organisations' region, ICB roll-up or type may have changed, so that anything
# counted by place can be recounted.
places_changed = Signal()
