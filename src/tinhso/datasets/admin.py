from django.contrib import admin

from tinhso.datasets.models import (
    Dataset,
    DatastoreTable,
    Group,
    Organization,
    Resource,
    ResourceVersion,
    Tag,
)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["title", "name", "agency"]
    search_fields = ["title", "name"]
    prepopulated_fields = {"name": ["title"]}


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["title", "name"]
    prepopulated_fields = {"name": ["title"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class ResourceInline(admin.TabularInline):
    model = Resource
    fields = ["name", "format", "url", "position"]
    extra = 0
    show_change_link = True


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["title", "name", "organization", "state", "private", "metadata_modified"]
    list_filter = ["organization", "state", "private", "license_id"]
    search_fields = ["title", "name", "search_text"]
    filter_horizontal = ["tags", "groups"]
    readonly_fields = ["metadata_created", "metadata_modified"]
    inlines = [ResourceInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        dataset = form.instance
        dataset.refresh_search_text()
        dataset.save(update_fields=["search_text", "search_title", "metadata_modified"])


class VersionInline(admin.TabularInline):
    model = ResourceVersion
    fields = ["number", "filename", "size", "sha256", "uploaded_by", "created"]
    readonly_fields = ["number", "filename", "size", "sha256", "uploaded_by", "created"]
    extra = 0
    can_delete = False


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "dataset", "format", "last_modified"]
    search_fields = ["name", "dataset__title"]
    inlines = [VersionInline]


@admin.register(DatastoreTable)
class DatastoreTableAdmin(admin.ModelAdmin):
    list_display = ["resource", "row_count", "loaded_at"]
    readonly_fields = ["resource", "version", "fields", "row_count", "loaded_at"]
