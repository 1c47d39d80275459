from django.urls import path

from reports import api

urlpatterns = [
    path("courses/", api.CourseListApi.as_view(), name="course-list"),
    path("courses/<int:course_id>/", api.CourseDetailApi.as_view(), name="course-detail"),
    path("hr/certificates/", api.HrCertificatesApi.as_view(), name="hr-certificates"),
    path("hr/personnel/<str:nrp>/transcript/", api.HrTranscriptApi.as_view(), name="hr-transcript"),
    path("hr/compliance/", api.HrComplianceApi.as_view(), name="hr-compliance"),
    path("hr/exports/", api.HrExportCreateApi.as_view(), name="hr-exports"),
    path("hr/exports/<int:export_id>/", api.HrExportDetailApi.as_view(), name="hr-export-detail"),
    path(
        "hr/exports/<int:export_id>/download/", api.HrExportDownloadApi.as_view(), name="hr-export-download"
    ),
    path("hr/compliance/people/", api.HrCompliancePeopleApi.as_view(), name="hr-compliance-people"),
    path("hr/assignments/", api.HrAssignmentsApi.as_view(), name="hr-assignments"),
    path("hr/assignments/<int:assignment_id>/", api.HrAssignmentDetailApi.as_view(), name="hr-assignment"),
]
