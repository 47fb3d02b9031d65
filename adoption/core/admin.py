from django.contrib import admin

from adoption.accounts.throttle import ThrottledAdminAuthenticationForm

admin.site.site_header = "Spreadwatch administration"
admin.site.site_title = "Spreadwatch admin"
admin.site.index_title = "Reference data, records and users"
admin.site.login_form = ThrottledAdminAuthenticationForm
