from django.contrib import admin
from django.db.models import Subquery, Sum, Value

from apps.core.admin_base import ReadOnlyAdmin

from .models import RouletteSegment, RouletteSpin


def _active_total():
    """The total weight of the active segments, as a subquery (one per changelist query)."""
    return (
        RouletteSegment.objects.filter(is_active=True)
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(total=Sum("weight"))
        .values("total")
    )


@admin.register(RouletteSegment)
class RouletteSegmentAdmin(admin.ModelAdmin):
    """The wheel. Players see each active segment's probability: weight ÷ total of active
    weights, shown here as they will see it. Past spins keep what they won."""

    list_display = ("label", "kind", "amount", "item", "weight", "is_active", "probability")
    list_editable = ("weight", "is_active")
    list_filter = ("kind", "is_active")
    list_select_related = ("item",)
    raw_id_fields = ("item",)
    search_fields = ("label",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(active_total=Subquery(_active_total()))

    @admin.display(description="probability")
    def probability(self, obj) -> str:
        if not obj.is_active or not obj.active_total:
            return "—"
        return f"{100 * obj.weight / obj.active_total:.2f} %"


@admin.register(RouletteSpin)
class RouletteSpinAdmin(ReadOnlyAdmin):
    """Spins, read-only: what each player won, as it was won."""

    list_display = ("user", "local_date", "label", "kind", "amount", "item_name", "weight", "total_weight", "created_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "label")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    fields = (
        "user", "local_date", "segment", "label", "kind", "amount", "item", "item_name", "weight", "total_weight",
        "created_at",
    )
    readonly_fields = fields
