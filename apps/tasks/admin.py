from django.contrib import admin, messages

from apps.core.admin_base import ReplacesUserCacheTokenAdmin

from .exceptions import TaskAlreadyCompleted
from .models import Task
from .services import task_update


@admin.register(Task)
class TaskAdmin(ReplacesUserCacheTokenAdmin):
    """Tasks are the users' own; status and rewards change only through complete/reopen."""

    list_display = ("title", "user", "difficulty", "status", "deadline", "completed_at", "reward_xp", "reward_coins")
    list_filter = ("status", "difficulty")
    search_fields = ("title", "user__username")
    list_select_related = ("user",)
    raw_id_fields = ("user", "dream")
    date_hierarchy = "created_at"
    readonly_fields = (
        "status",
        "completed_at",
        "completed_local_date",
        "completed_on_time",
        "reward_xp",
        "reward_coins",
        "created_at",
        "updated_at",
    )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("user")  # a task stays its player's
            if obj.status == Task.Status.COMPLETED:
                fields.append("dream")  # a completed step would pay another dream (tasks.services)
        return fields

    def save_model(self, request, obj, form, change):
        if change and "dream" in form.changed_data:
            # Saved through the service, which checks under the row lock that the task is not
            # completed; the other edited columns follow below.
            form.changed_data.remove("dream")
            try:
                task_update(task=obj, dream_id=obj.dream_id)
            except TaskAlreadyCompleted as exc:
                self.message_user(request, f"The dream was not changed: {exc.detail}", messages.ERROR)
                obj.dream_id = form.initial.get("dream")
        super().save_model(request, obj, form, change)
