from django.contrib import admin

admin.site.site_header = "Spreadwatch administration"
admin.site.site_title = "Spreadwatch admin"
admin.site.index_title = "Reference data, records and users"
