from django.dispatch import Signal

# Sent once at the end of a unit of work (`registry.services.places_changing`) in which
# organisations' region, ICB roll-up or type changed, so that anything counted by place can be
# recounted. The registry's services send it; apps above the registry listen.
places_changed = Signal()
