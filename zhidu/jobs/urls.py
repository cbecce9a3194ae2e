from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("tasks/", views.task_result_list, name="task_results"),
    path("progress/<int:pk>/", views.progress_detail, name="progress"),
    path("<str:key>/", views.job_detail, name="detail"),
    path("<str:key>/run/", views.job_run_now, name="run_now"),
]
